import { Playground } from '../../components/playground';
import { fetchModelId, fetchPrompts, fetchTenants } from '../../lib/api';

export const metadata = { title: 'Playground · ChunkServe admin' };

export default async function PlaygroundPage() {
  const [tenants, prompts, model] = await Promise.all([fetchTenants(), fetchPrompts(), fetchModelId()]);
  return (
    <section>
      <h1>Playground</h1>
      <p>Chat as a tenant, with one of its prompts as the system message: its cache, its usage history.</p>
      {tenants.length === 0 || model === null ? (
        <p>{model === null ? 'The API is not ready.' : 'Create a tenant first.'}</p>
      ) : (
        <Playground
          model={model}
          tenants={tenants.map((t) => ({ id: t.id, name: t.name }))}
          prompts={prompts.map((p) => ({ id: p.id, name: p.name, tenantId: p.tenantId, version: p.version }))}
        />
      )}
    </section>
  );
}
