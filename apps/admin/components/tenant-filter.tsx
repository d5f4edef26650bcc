import type { TenantInfo } from '@chunkserve/contracts';

/** A plain GET form: the chosen tenant becomes ?tenant= and the server page re-renders. */
export function TenantFilter({ tenants, selected }: { tenants: TenantInfo[]; selected?: string }) {
  return (
    <form method="get" className="filter">
      <label htmlFor="tenant">Tenant</label>
      <select id="tenant" name="tenant" defaultValue={selected ?? ''}>
        <option value="">All tenants</option>
        {tenants.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <button type="submit">Show</button>
    </form>
  );
}

/** The ?tenant= value when it names a known tenant (the API rejects anything but a UUID). */
export function knownTenant(tenants: TenantInfo[], tenant: string | undefined): string | undefined {
  return tenants.some((t) => t.id === tenant) ? tenant : undefined;
}
