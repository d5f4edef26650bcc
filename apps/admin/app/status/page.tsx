import { API_URL, fetchReadiness } from '../../lib/api';

// Always render fresh: this page reports live status.
export const dynamic = 'force-dynamic';

export const metadata = { title: 'Status · ChunkServe admin' };

export default async function StatusPage() {
  const ready = await fetchReadiness();
  return (
    <section>
      <h1>Platform status</h1>
      <p data-testid="api-status">
        API at {API_URL}: <strong>{ready.status}</strong>
      </p>
      <ul>
        {Object.entries(ready.details).map(([name, detail]) => (
          <li key={name}>
            {name}: {detail.status}
            {name === 'engine' && detail.backend
              ? ` (backend ${String(detail.backend)}, SIMD ${String(detail.simd)}, model ${String(detail.model)})`
              : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
