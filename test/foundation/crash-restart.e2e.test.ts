// The API process killed with SIGKILL in the middle of load and of a prompt update: its embedded
// Postgres is left running, and the next start on the same DATA_DIR stops it, boots, and serves
// every committed prompt version warm from the cache. Also: query-string credentials never reach
// the log or an error body, and boot errors never print secrets.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { call, longSystemPrompt } from '../support/api-app';
import { spawnApi, waitForStatus, type ApiProcess } from '../support/api-process';
import { freePort } from '../support/free-port';

const ADMIN = 'crash-test-admin-token-0123456789';

describe('kill -9 and restart on the same DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chunkserve-crash-'));
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      ADMIN_TOKEN: ADMIN,
      ENGINE_DEVICE: 'cpu',
      CHUNK_SIZE: '16',
      KV_CACHE_BYTES: String(64 * 1024 * 1024),
      LOG_LEVEL: 'info',
    };
  });

  const boot = async () => {
    const api = spawnApi(env);
    await waitForStatus(`${url}/readyz`, 200, api, 120_000);
    return api;
  };

  it('comes back with every committed prompt version warm and served from cache', async () => {
    let api: ApiProcess = await boot();
    const tenant = await call(url, ADMIN, 'POST', '/admin/tenants', { name: 'crash' });
    const key = (await call(url, ADMIN, 'POST', `/admin/tenants/${tenant.body.id}/api-keys`)).body.key;
    const model = (await call(url, key, 'GET', '/v1/models')).body.data[0].id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await call(url, key, 'POST', '/v1/prompts', { name: `p${i}`, content: `${i} ${longSystemPrompt(`crash ${i}`, 6)}` });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    expect((await call(url, key, 'PUT', `/v1/prompts/${ids[0]}`, { content: longSystemPrompt('crash 0, second edition', 6) })).status).toBe(200);

    // Load, and an update in flight, when the process dies.
    const load = Array.from({ length: 8 }, (_, i) =>
      call(url, key, 'POST', '/v1/chat/completions', { model, prompt_id: ids[i % 3], stream: true, messages: [{ role: 'user', content: `q${i}` }], max_tokens: 2000, ignore_eos: true }).catch(() => null),
    );
    const update = call(url, key, 'PUT', `/v1/prompts/${ids[1]}`, { content: longSystemPrompt('crash 1, revised', 6) }).catch(() => null);
    await new Promise((r) => setTimeout(r, 300));
    api.child.kill('SIGKILL');
    await api.exited;
    await Promise.all([...load, update]);

    // Its Postgres is still running on the data directory.
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(() => process.kill(pid, 0)).not.toThrow();

    api = await boot();
    try {
      expect(api.output()).toMatch(/left running .* by a previous start: stopping it/);
      for (const id of ids) {
        const detail = await call(url, key, 'GET', `/v1/prompts/${id}`);
        expect(detail.status).toBe(200);
        const current = detail.body.versions.find((v: { version: number }) => v.version === detail.body.version);
        expect(current.status).toBe('warm');
        expect(detail.body.versions.filter((v: { status: string }) => v.status !== 'superseded')).toEqual([current]);
        const res = await call(url, key, 'POST', '/v1/chat/completions', { model, prompt_id: id, messages: [{ role: 'user', content: 'back?' }], max_tokens: 1 });
        expect(res.status).toBe(200);
        expect(res.body.usage.prompt_tokens_details.cached_tokens).toBe(detail.body.cachedTokens);
        expect(detail.body.cachedTokens).toBeGreaterThan(0);
      }
      expect((await call(url, key, 'GET', `/v1/prompts/${ids[0]}`)).body.version).toBe(2);
    } finally {
      expect(await api.stop('SIGINT')).toBe(0);
    }
  });

  it('never writes a query-string credential to the log or echoes it in an error body', async () => {
    const api = await boot();
    try {
      const key = `cs_live_AbCdEfGhIjKl_${'q'.repeat(43)}`;
      const notFound = await call(url, null, 'GET', `/v1/stream?api_key=${key}`);
      expect(notFound.status).toBe(404);
      expect(JSON.stringify(notFound.body)).not.toContain('q'.repeat(43));
      expect((await call(url, null, 'GET', `/admin/stats/live?token=${ADMIN}`)).status).toBe(401);
      await new Promise((r) => setTimeout(r, 200));
      expect(api.output()).toContain('[REDACTED]');
      expect(api.output()).not.toContain('q'.repeat(43));
      expect(api.output()).not.toContain(ADMIN);
    } finally {
      expect(await api.stop('SIGINT')).toBe(0);
    }
  });

  it('refuses an empty admin-token file, and prints no secret when boot fails', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'chunkserve-empty-token-'));
    writeFileSync(join(emptyDir, 'admin-token'), '\n');
    const empty = spawnApi({ ...env, DATA_DIR: emptyDir, ADMIN_TOKEN: '' });
    expect(await empty.exited).toBe(1);
    expect(empty.output()).toMatch(/admin-token holds no usable admin token/);

    const secret = spawnApi({ ...env, ADMIN_TOKEN: 'tooshort', METRICS_TOKEN: 'also-short', DATABASE_URL: 'mysql://user:hunter2-secret@db/x' });
    expect(await secret.exited).toBe(1);
    expect(secret.output()).toMatch(/ADMIN_TOKEN=<hidden, 8 characters>/);
    for (const value of ['tooshort', 'also-short', 'hunter2-secret']) expect(secret.output()).not.toContain(value);
  });
});
