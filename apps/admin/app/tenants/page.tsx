import { fetchTenants } from '../../lib/api';

export const metadata = { title: 'Tenants · ChunkServe admin' };

export default async function TenantsPage() {
  const tenants = await fetchTenants();
  return (
    <section>
      <h1>Tenants</h1>
      <p>
        Create tenants and keys through the API (<code>POST /admin/tenants</code>,{' '}
        <code>POST /admin/tenants/:id/api-keys</code>).
      </p>
      {tenants.length === 0 ? (
        <p>No tenants yet.</p>
      ) : (
        <table data-testid="tenants">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{new Date(t.createdAt).toISOString().replace('T', ' ').slice(0, 19)} UTC</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
