import { ErrorBanner } from '../../../components/error-banner';
import { PromptEditor } from '../../../components/prompt-editor';
import { TenantOptions } from '../../../components/tenant-filter';
import { fetchTenants } from '../../../lib/api';
import { createPromptAction } from '../actions';

export const metadata = { title: 'New prompt · ChunkServe admin' };

export default async function NewPromptPage({ searchParams }: { searchParams: Promise<{ tenant?: string; error?: string }> }) {
  const [tenants, query] = await Promise.all([fetchTenants(), searchParams]);
  if (tenants.length === 0) return <p>Create a tenant first: a prompt belongs to a tenant.</p>;
  return (
    <section>
      <h1>New prompt</h1>
      <ErrorBanner error={query.error} />
      <form action={createPromptAction} className="prompt-form">
        <label>
          Tenant{' '}
          <select name="tenantId" defaultValue={query.tenant ?? tenants[0].id}>
            <TenantOptions tenants={tenants} />
          </select>
        </label>
        <label>
          Name <input name="name" required pattern="[A-Za-z0-9._\-]+" maxLength={100} placeholder="support-bot" />
        </label>
        <PromptEditor initial="" />
        <button type="submit">Create and pre-warm</button>
      </form>
    </section>
  );
}
