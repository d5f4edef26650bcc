// The model-server protocol's gauges on ENGINE_METRICS_PORT, scraped as llm-d's Endpoint Picker
// scrapes (a plain GET, no token): vLLM's names and ChunkServe's, consistent with the engine, and no
// tenant in them; the API's /metrics keeps asking for a token.
import { join } from 'path';

import { ADMIN_TOKEN, call, createTenant, startApi, type RunningApi } from '../support/api-app';
import { freePort } from '../support/free-port';
import { setProcessEnv } from './support/process-env';

declare const nativeRequire: NodeRequire;
const { EngineService } = nativeRequire(join(__dirname, '../../apps/api/dist/engine/engine.service.js'));

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
};

describe('engine gauges for the Endpoint Picker', () => {
  let api: RunningApi;
  let gauges: string;
  let restoreEnv = () => {};

  beforeAll(async () => {
    const port = await freePort();
    gauges = `http://127.0.0.1:${port}/metrics`;
    restoreEnv = setProcessEnv({ ENGINE_METRICS_PORT: String(port) });
    api = await startApi({ env: { HOST: '127.0.0.1' } });
  });
  afterAll(async () => {
    await api?.close();
    restoreEnv();
  });

  it('serves the queue, running, KV-utilisation and cache-config gauges without a token, and nothing about tenants', async () => {
    const tenant = await createTenant(api.url, 'umbrella');
    const created = await call(api.url, tenant.key, 'POST', '/v1/prompts', { name: 'p', content: 'You are the Umbrella assistant. '.repeat(4) });
    expect(created.status).toBe(201);

    const res = await fetch(gauges);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const stats = api.app.get(EngineService).stats();
    const taken = (stats.capacityChunks - stats.freeChunks - stats.cachedChunks) / stats.capacityChunks;
    expect(taken).toBeGreaterThan(0); // the pinned prompt
    expect(sample(text, 'vllm:kv_cache_usage_perc')).toBeCloseTo(taken, 10);
    expect(sample(text, 'chunkserve_kv_cache_utilization')).toBeCloseTo(taken, 10);
    expect(sample(text, 'vllm:num_requests_waiting')).toBe(0);
    expect(sample(text, 'vllm:num_requests_running')).toBe(0);
    expect(sample(text, 'chunkserve_queued_requests')).toBe(0);
    expect(sample(text, 'chunkserve_running_requests')).toBe(0);
    expect(sample(text, `vllm:cache_config_info{block_size="16",num_gpu_blocks="${stats.capacityChunks}"}`)).toBe(1);
    expect(sample(text, `chunkserve_cache_config_info{block_size="16",num_blocks="${stats.capacityChunks}"}`)).toBe(1);
    expect(text).not.toContain(tenant.id);
    expect(text).not.toContain('chunkserve_prefix_cache_hit_tokens_total');

    expect((await fetch(gauges.replace('/metrics', '/'))).status).toBe(404);
    expect((await call(api.url, null, 'GET', '/metrics')).status).toBe(401);
    const all = (await call(api.url, ADMIN_TOKEN, 'GET', '/metrics')).body as string;
    expect(sample(all, 'vllm:kv_cache_usage_perc')).toBeCloseTo(taken, 10);
  });
});
