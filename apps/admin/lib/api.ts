// The dashboard's only data access: server-side calls to the ChunkServe API with the session id
// from the cookie (the browser never sees it, nor the admin token).
import 'server-only';
import { redirect } from 'next/navigation';
import type {
  AdminPromptDetail,
  AdminPromptInfo,
  AdminSessionCreated,
  ApiKeyInfo,
  CreatedApiKey,
  EngineStatus,
  LiveStats,
  OverviewCounts,
  PromptDryRun,
  PromptInfo,
  PromptStats,
  SeriesPoint,
  TenantDetail,
  TenantInfo,
  TenantSettings,
  TenantSummary,
  VersionTree,
} from '@chunkserve/contracts';

import { sessionId } from './session';

export const API_URL = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

/** An error answer of the API, with its OpenAI-style message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

function urlOf(path: string, query: Query = {}): URL {
  const url = new URL(path, API_URL);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  return url;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  let message = text;
  let code: string | null = null;
  try {
    const body = JSON.parse(text);
    message = body.error?.message ?? text;
    code = body.error?.code ?? null;
  } catch {
    // not JSON
  }
  return new ApiError(res.status, message, code, Number(res.headers.get('retry-after')) || null);
}

/** An admin call with the session's id; a missing or ended session goes to /login. */
export async function adminFetch(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<Response> {
  const session = await sessionId();
  if (!session) redirect('/login');
  const res = await fetch(urlOf(path, options.query), {
    method,
    cache: 'no-store',
    headers: { authorization: `Bearer ${session}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.status === 401) redirect('/login?expired=1');
  return res;
}

async function admin<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const res = await adminFetch(method, path, options);
  if (!res.ok) throw await errorOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

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
  return (await fetchEngineIdentity()).model;
}

/** The model and the device the engine computes on ("CPU (avx512)", or the GPU with its memory in use). */
export async function fetchEngineIdentity(): Promise<{ model: string | null; device: string | null }> {
  const engine = (await fetchReadiness()).details.engine as Partial<EngineStatus & { model: string }> | undefined;
  const model = typeof engine?.model === 'string' ? engine.model : null;
  if (!engine?.backend) return { model, device: null };
  if (engine.backend === 'cpu') return { model, device: `CPU (${engine.simd})` };
  const memory = engine.deviceMemory;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  return { model, device: `${engine.gpuName ?? 'GPU'}${memory ? `, ${gib(memory.usedBytes)} of ${gib(memory.totalBytes)} GiB in use` : ''}` };
}

/** Logs in with the admin token: a session id, or the API's refusal as an ApiError. */
export async function createSession(token: string, client: string | null): Promise<AdminSessionCreated> {
  let res: Response;
  try {
    res = await fetch(urlOf('/admin/sessions'), {
      method: 'POST',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', ...(client ? { 'x-chunkserve-client': client } : {}) },
      body: JSON.stringify({ token }),
    });
  } catch {
    throw new ApiError(503, 'The API could not be reached; try again.');
  }
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

/** Logout: the API revokes the session id. */
export async function revokeSession(session: string): Promise<void> {
  await fetch(urlOf('/admin/sessions/current'), { method: 'DELETE', headers: { authorization: `Bearer ${session}` } }).catch(() => undefined);
}

export const fetchCounts = (tenant?: string) => admin<OverviewCounts>('GET', '/admin/stats/counts', { query: { tenant } });
export const fetchSeries = (minutes: number, bucketSeconds: number, tenant?: string) =>
  admin<SeriesPoint[]>('GET', '/admin/stats/series', { query: { minutes, bucket: bucketSeconds, tenant } });
export const fetchPromptStats = (tenant?: string) => admin<PromptStats[]>('GET', '/admin/stats/prompts', { query: { tenant } });
export const fetchVersionTree = (tenant?: string) => admin<VersionTree>('GET', '/admin/stats/tree/versions', { query: { tenant } });
export const fetchLiveStats = () => admin<LiveStats[]>('GET', '/admin/stats/live');

export const fetchTenants = () => admin<TenantSummary[]>('GET', '/admin/tenants');
export const fetchTenant = (id: string) => admin<TenantDetail>('GET', `/admin/tenants/${id}`);
export const createTenant = (name: string) => admin<TenantInfo>('POST', '/admin/tenants', { body: { name } });
export const updateTenant = (id: string, changes: Partial<TenantSettings> & { name?: string }) => admin<TenantDetail>('PATCH', `/admin/tenants/${id}`, { body: changes });
export const deleteTenant = (id: string) => admin<void>('DELETE', `/admin/tenants/${id}`);

export const fetchApiKeys = (tenantId: string) => admin<ApiKeyInfo[]>('GET', `/admin/tenants/${tenantId}/api-keys`);
export const createApiKey = (tenantId: string) => admin<CreatedApiKey>('POST', `/admin/tenants/${tenantId}/api-keys`);
export const revokeApiKey = (id: string) => admin<void>('DELETE', `/admin/api-keys/${id}`);

export const fetchPrompts = (tenant?: string) => admin<AdminPromptInfo[]>('GET', '/admin/prompts', { query: { tenant } });
export const fetchPrompt = (id: string) => admin<AdminPromptDetail>('GET', `/admin/prompts/${id}`);
export const createPrompt = (tenantId: string, name: string, content: string) => admin<PromptInfo>('POST', '/admin/prompts', { body: { tenantId, name, content } });
export const updatePrompt = (id: string, content: string) => admin<PromptInfo>('PUT', `/admin/prompts/${id}`, { body: { content } });
export const restorePrompt = (id: string, version: number) => admin<PromptInfo>('POST', `/admin/prompts/${id}/restore`, { body: { version } });
export const deletePrompt = (id: string) => admin<void>('DELETE', `/admin/prompts/${id}`);
export const dryRunPrompt = (content: string, id?: string) =>
  admin<PromptDryRun>('POST', id ? `/admin/prompts/${id}/dry-run` : '/admin/prompts/dry-run', { body: { content } });
