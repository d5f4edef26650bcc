'use server';
import { redirect } from 'next/navigation';
import type { CreatedApiKey } from '@chunkserve/contracts';

import { orBackWithError } from '../../lib/action-errors';
import { ApiError, createApiKey, createTenant, deleteTenant, revokeApiKey, updateTenant } from '../../lib/api';

const text = (form: FormData, name: string) => String(form.get(name) ?? '');
/** A number field: blank means the platform default (null). */
const limit = (form: FormData, name: string) => (text(form, name).trim() === '' ? null : Number(text(form, name)));

export async function createTenantAction(form: FormData): Promise<void> {
  const tenant = await orBackWithError('/tenants', () => createTenant(text(form, 'name')));
  redirect(`/tenants/${tenant.id}`);
}

export async function updateTenantAction(form: FormData): Promise<void> {
  const id = text(form, 'id');
  await orBackWithError(`/tenants/${id}`, () =>
    updateTenant(id, { name: text(form, 'name'), pinnedChunkQuota: limit(form, 'pinnedChunkQuota'), rateLimitRequests: limit(form, 'rateLimitRequests') }),
  );
  redirect(`/tenants/${id}?saved=1`);
}

export async function deleteTenantAction(form: FormData): Promise<void> {
  await orBackWithError(`/tenants/${text(form, 'id')}`, () => deleteTenant(text(form, 'id')));
  redirect('/tenants');
}

export interface CreatedKeyState {
  key: CreatedApiKey | null;
  error: string | null;
}

/** The new key comes back to the page this once (never stored by the UI). */
export async function createKeyAction(_previous: CreatedKeyState, form: FormData): Promise<CreatedKeyState> {
  const tenantId = text(form, 'tenantId');
  try {
    return { key: await createApiKey(tenantId), error: null };
  } catch (err) {
    if (err instanceof ApiError) return { key: null, error: err.message };
    throw err;
  }
}

export async function revokeKeyAction(form: FormData): Promise<void> {
  const tenantId = text(form, 'tenantId');
  await orBackWithError(`/tenants/${tenantId}`, () => revokeApiKey(text(form, 'id')));
  redirect(`/tenants/${tenantId}`);
}
