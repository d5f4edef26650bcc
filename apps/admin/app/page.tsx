import { API_URL, fetchReadiness } from '../lib/api';

// Always render fresh: this page reports live status.
export const dynamic = 'force-dynamic';

export default async function HomePage() {
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
      <p>
        Prompt, hit-rate, chunk-tree and throughput pages are on the roadmap (see the README).
      </p>
    </section>
  );
}
