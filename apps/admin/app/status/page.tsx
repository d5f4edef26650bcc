import { fetchReadiness } from '../../lib/api';

// Always render fresh: this page reports live status.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'Status · ChunkServe admin' };

/** Public: health only (no addresses, hardware or model paths). */
export default async function StatusPage() {
  const ready = await fetchReadiness();
  return (
    <section>
      <h1>Platform status</h1>
      <p data-testid="api-status">
        API: <strong>{ready.status}</strong>
      </p>
      <ul>
        {Object.entries(ready.details).map(([name, detail]) => (
          <li key={name}>
            {name}: {detail.status}
          </li>
        ))}
      </ul>
    </section>
  );
}
