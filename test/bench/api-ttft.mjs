// Time to first token through the API (SSE) with a pre-warmed registered prompt vs. a cold system
// prompt of the same length, on whatever model the API serves (the demo model by default).
// Usage: npm run build && node test/bench/api-ttft.mjs [--sentences 40] [--runs 10]
// Starts the built API (apps/api/dist/main.js) with an embedded Postgres in a temporary DATA_DIR.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SENTENCES = arg('sentences', 40);
const RUNS = arg('runs', 10);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const dataDir = mkdtempSync(join(tmpdir(), 'chunkserve-bench-'));
chmodSync(dataDir, 0o755);
const port = await freePort();
const admin = 'bench-admin-token-0123456789';
const api = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_PG_PORT: String(await freePort()), DATA_DIR: dataDir, ADMIN_TOKEN: admin, LOG_LEVEL: 'warn', RATE_LIMIT_REQUESTS: '100000' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error('API not ready');
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const json = async (path, token, body, method = 'POST') =>
    (await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) })).json();
  const tenant = await json('/admin/tenants', admin, { name: 'bench' });
  const { key } = await json(`/admin/tenants/${tenant.id}/api-keys`, admin);
  const system = (tag) =>
    [`${tag} You are the assistant of a large catalogue.`, ...Array.from({ length: SENTENCES }, (_, i) => `Rule ${i}: answer briefly and cite rule ${i}.`)].join(' ');
  const prompt = await json('/v1/prompts', key, { name: 'catalogue', content: system('[registered]') });
  const model = (await json('/v1/models', key, undefined, 'GET')).data[0].id;

  const ttft = async (body) => {
    const started = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, max_tokens: 8, ignore_eos: true, ...body }),
    });
    const reader = res.body.getReader();
    let first;
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (first === undefined && text.includes('"content":"') && !/"content":""/.test(text.split('\n\n').filter(Boolean).at(-1) ?? '')) first = performance.now() - started;
    }
    const usage = JSON.parse(text.split('\n\n').filter((b) => b.includes('"usage":{')).at(-1).slice(6)).usage;
    return { ms: first, cached: usage.prompt_tokens_details.cached_tokens, prompt: usage.prompt_tokens };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const warm = [];
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    warm.push(await ttft({ prompt_id: prompt.id, messages: [{ role: 'user', content: `question ${i}` }] }));
    cold.push(await ttft({ messages: [{ role: 'system', content: system(`[cold ${i} ${Math.random()}]`) }, { role: 'user', content: `question ${i}` }] }));
  }
  console.log(`prompt: ${prompt.tokens} tokens pinned in ${prompt.chunks} chunks (${prompt.cachedTokens} resident); ${RUNS} runs each`);
  console.log(`registered prompt: median TTFT ${median(warm.map((r) => r.ms)).toFixed(1)} ms, cached ${warm[0].cached}/${warm[0].prompt} prompt tokens`);
  console.log(`cold system prompt: median TTFT ${median(cold.map((r) => r.ms)).toFixed(1)} ms, cached ${cold[0].cached}/${cold[0].prompt} prompt tokens`);
} finally {
  const exited = new Promise((resolve) => api.once('exit', resolve));
  api.kill('SIGINT');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
