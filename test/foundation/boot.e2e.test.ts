// Boots the real API process with the embedded Postgres: migrations run, /readyz answers, Ctrl-C
// stops cleanly, a second start reuses the data; a bad variable stops boot with a clear message.
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';

import { spawnApi, waitForStatus } from '../support/api-process';
import { freePort } from '../support/free-port';

describe('API boot with the embedded Postgres', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chunkserve-boot-'));
  let port: number;
  let pgPort: number;

  beforeAll(async () => {
    port = await freePort();
    pgPort = await freePort();
  });

  it('initialises the database, runs the migrations and becomes ready', async () => {
    const api = spawnApi({ PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir });
    try {
      const res = await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, api);
      const body = await res.json();
      expect(body.status).toBe('ok');
      expect(body.details.database.status).toBe('up');
      expect(body.details.engine.status).toBe('up');
      expect(['cpu', 'cuda']).toContain(body.details.engine.backend);
      // The device is named: the GPU and its memory on CUDA, nothing of the kind on the CPU.
      const { backend, gpuName, deviceMemory } = body.details.engine;
      if (backend === 'cuda') expect(deviceMemory.usedBytes).toBeLessThanOrEqual(deviceMemory.totalBytes);
      else expect({ gpuName, deviceMemory }).toEqual({ gpuName: null, deviceMemory: null });

      const live = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(live.status).toBe(200);

      // The generated admin token is stored under DATA_DIR and printed once.
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(api.output()).toContain(token);

      const db = new Client({ connectionString: `postgres://postgres:chunkserve@127.0.0.1:${pgPort}/postgres` });
      await db.connect();
      try {
        const applied = await db.query('SELECT name FROM migrations ORDER BY id');
        expect(applied.rows.map((r) => r.name)).toContain('PlatformSettings1732780800000');
        const table = await db.query("SELECT to_regclass('public.platform_settings') AS t");
        expect(table.rows[0].t).toBe('platform_settings');
      } finally {
        await db.end();
      }
    } finally {
      expect(await api.stop('SIGINT')).toBe(0);
    }
  });

  it('reuses the data on the next start and does not print the token again', async () => {
    const api = spawnApi({ PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, api);
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      expect(api.output()).not.toContain(token);
      expect(api.output()).not.toContain('initdb');
    } finally {
      expect(await api.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to boot on a bad variable, naming it and what is wrong', async () => {
    const api = spawnApi({ PORT: 'not-a-port', ENGINE_DEVICE: 'tpu', DATA_DIR: dataDir });
    expect(await api.exited).toBe(1);
    expect(api.output()).toContain('Invalid configuration');
    expect(api.output()).toContain('PORT="not-a-port": must be an integer number');
    expect(api.output()).toContain('ENGINE_DEVICE="tpu": must be one of the following values: auto, cpu, cuda');
  });
});
