// Starts the built API in-process (createApp from apps/api/dist, loaded through Node's own require:
// see e2e-environment.js) on a fresh database of the run's embedded Postgres, with the real engine.
import { randomBytes } from 'crypto';
import { join } from 'path';
import { Client } from 'pg';

declare const nativeRequire: NodeRequire;

const API_DIST = join(__dirname, '../../apps/api/dist');

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

export interface RunningApi {
  url: string;
  databaseUrl: string;
  close(): Promise<void>;
  /** The Nest application (from another module realm: use its methods, not instanceof). */
  app: { get(token: unknown): any; close(): Promise<void> };
}

/** A new, empty database on the run's cluster. */
export async function createDatabase(): Promise<string> {
  const serverUrl = process.env.E2E_POSTGRES_URL;
  if (!serverUrl) throw new Error('E2E_POSTGRES_URL is unset: run through test/jest.config.js (globalSetup)');
  const name = `e2e_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

/**
 * Boots the API on `databaseUrl` (a new database when omitted) and waits until /readyz is 200
 * (unless `waitReady` is false: then it returns as soon as it listens, re-warm still running).
 */
export async function startApi(options: { databaseUrl?: string; env?: Record<string, string>; waitReady?: boolean } = {}): Promise<RunningApi> {
  const databaseUrl = options.databaseUrl ?? (await createDatabase());
  const { createApp } = nativeRequire(join(API_DIST, 'app.factory.js'));
  const { validateEnvironment } = nativeRequire(join(API_DIST, 'config/environment.js'));
  const env = validateEnvironment({
    DATA_DIR: process.env.E2E_DATA_DIR,
    LOG_LEVEL: 'warn',
    ENGINE_DEVICE: 'cpu',
    CHUNK_SIZE: '16',
    KV_CACHE_BYTES: String(64 * 1024 * 1024),
    ...options.env,
  });
  const app = await createApp({ env, databaseUrl, adminToken: ADMIN_TOKEN });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  if (options.waitReady !== false) await waitReady(url);
  return { url, databaseUrl, app, close: () => app.close() };
}

export async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`);
    if (res.status === 200) return;
    last = await res.text();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz not ready within ${timeoutMs} ms: ${last}`);
}

/** JSON over fetch with a bearer token; returns status and parsed body. */
export async function call(url: string, token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (metrics, SSE)
  }
  return { status: res.status, body: parsed };
}

/** A tenant with one API key. */
export async function createTenant(url: string, name: string): Promise<{ id: string; key: string; keyId: string }> {
  const tenant = await call(url, ADMIN_TOKEN, 'POST', '/admin/tenants', { name });
  if (tenant.status !== 201) throw new Error(`create tenant: ${tenant.status} ${JSON.stringify(tenant.body)}`);
  const key = await call(url, ADMIN_TOKEN, 'POST', `/admin/tenants/${tenant.body.id}/api-keys`);
  if (key.status !== 201) throw new Error(`create key: ${key.status} ${JSON.stringify(key.body)}`);
  return { id: tenant.body.id, key: key.body.key, keyId: key.body.id };
}

/** Parses an SSE body into its `data:` payloads (the last one is "[DONE]"). */
export function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/** A system prompt long enough to span several chunks. */
export function longSystemPrompt(topic: string, sentences = 12): string {
  const lines = [`You are the assistant of ${topic}.`];
  for (let i = 1; i <= sentences; i++) lines.push(`Rule ${i}: answer questions about ${topic} politely, precisely and briefly, citing rule ${i}.`);
  return lines.join(' ');
}
