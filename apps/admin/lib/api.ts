// The dashboard's only data access: server-side calls to the ChunkServe API. The admin token comes
// from the session cookie and never reaches the browser.
import 'server-only';
import { redirect } from 'next/navigation';
import type { CacheTree, LiveStats, PlatformStats, PromptStats, SeriesPoint, TenantInfo } from '@chunkserve/contracts';

import { sessionToken } from './session';

export const API_URL = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export interface Readiness {
  status: 'ok' | 'error' | 'unreachable';
  details: Record<string, { status: string; [key: string]: unknown }>;
}

export async function fetchReadiness(): Promise<Readiness> {
  try {
    const res = await fetch(`${API_URL}/readyz`, { cache: 'no-store' });
    const body = await res.json();
    return { status: body.status, details: body.details ?? {} };
  } catch {
    return { status: 'unreachable', details: {} };
  }
}

/** The model the engine serves, from the readiness details (null when the API is down). */
export async function fetchModelId(): Promise<string | null> {
  const model = (await fetchReadiness()).details.engine?.model;
  return typeof model === 'string' ? model : null;
}

/** What checking a candidate admin token against the API found. */
export type TokenCheck = 'valid' | 'invalid' | 'unreachable';

export async function checkAdminToken(token: string): Promise<TokenCheck> {
  try {
    const res = await fetch(`${API_URL}/admin/stats`, { cache: 'no-store', headers: { authorization: `Bearer ${token}` } });
    if (res.ok) return 'valid';
    return res.status === 401 ? 'invalid' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/** GET an admin endpoint with the session's token; a missing or rejected token goes to /login. */
async function adminGet<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const token = await sessionToken();
  if (!token) redirect('/login');
  const url = new URL(path, API_URL);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  const res = await fetch(url, { cache: 'no-store', headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) redirect('/login?expired=1');
  if (!res.ok) throw new Error(`GET ${url.pathname} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export const fetchPlatformStats = () => adminGet<PlatformStats>('/admin/stats');

export const fetchSeries = (minutes: number, bucketSeconds: number, tenant?: string) =>
  adminGet<SeriesPoint[]>('/admin/stats/series', { minutes, bucket: bucketSeconds, tenant });

export const fetchPromptStats = (tenant?: string) => adminGet<PromptStats[]>('/admin/stats/prompts', { tenant });

export const fetchCacheTree = (tenant?: string) => adminGet<CacheTree>('/admin/stats/tree', { tenant });

export const fetchTenants = () => adminGet<TenantInfo[]>('/admin/tenants');

export const fetchLiveStats = () => adminGet<LiveStats[]>('/admin/stats/live');
