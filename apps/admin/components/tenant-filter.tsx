import type { TenantInfo } from '@chunkserve/contracts';

import { TIME_RANGES } from '../lib/time-ranges';

/** A plain GET form: the chosen tenant (and range) become ?tenant=&range= and the server page re-renders. */
export function TenantFilter({ tenants, selected, range }: { tenants: TenantInfo[]; selected?: string; range?: string }) {
  return (
    <form method="get" className="filter">
      <label htmlFor="tenant">Tenant</label>
      <select id="tenant" name="tenant" defaultValue={selected ?? ''}>
        <option value="">All tenants</option>
        <TenantOptions tenants={tenants} />
      </select>
      {range !== undefined && (
        <>
          <label htmlFor="range">Time range</label>
          <select id="range" name="range" defaultValue={range}>
            {TIME_RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </>
      )}
      <button type="submit">Show</button>
    </form>
  );
}

/** One <option> per tenant, for any tenant picker. */
export function TenantOptions({ tenants }: { tenants: { id: string; name: string }[] }) {
  return tenants.map((t) => (
    <option key={t.id} value={t.id}>
      {t.name}
    </option>
  ));
}

/** The ?tenant= value when it names a known tenant (the API rejects anything but a UUID). */
export function knownTenant(tenants: TenantInfo[], tenant: string | undefined): string | undefined {
  return tenants.some((t) => t.id === tenant) ? tenant : undefined;
}
