// The admin console in Debian's Chromium against the real API (its own process, embedded Postgres,
// the demo model): every workflow of the console, from login to logout. With SCREENSHOTS_DIR set,
// each page is saved there (docs/screenshots in the repository).
import { mkdirSync } from 'fs';
import { join } from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { figureCards, openPage, startAdminStack, type AdminStack } from '../support/admin-stack';
import { longSystemPrompt } from '../support/api-app';

const ADMIN_TOKEN = 'console-e2e-admin-token-0123';
const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

describe('admin console', () => {
  let stack: AdminStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let apiUrl: string;
  let adminUrl: string;
  let model: string;
  const tenant = { id: '', key: '' };
  let support = { id: '', tokens: 0 };
  let browserRequests: string[];

  async function apiCall(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function chat(promptId: string, message: string): Promise<void> {
    const res = await apiCall(tenant.key, 'POST', '/v1/chat/completions', { model, prompt_id: promptId, messages: [{ role: 'user', content: message }], max_tokens: 4 });
    if (res.status !== 200) throw new Error(`chat: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function shot(name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    stack = await startAdminStack({ ADMIN_TOKEN, STATS_INTERVAL_MS: '300', CHUNK_SIZE: '16', KV_CACHE_BYTES: String(512 * 1024 * 1024) });
    ({ apiUrl, adminUrl } = stack);
    model = (await (await fetch(`${apiUrl}/readyz`)).json()).details.engine.model;
    ({ browser, page, requests: browserRequests } = await openPage({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] }));
    context = page.context();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows only health on the public status page', async () => {
    await page.goto(`${adminUrl}/status`);
    await expect(page.getByTestId('api-status').innerText()).resolves.toBe('API: ok');
    const text = await page.locator('main').innerText();
    expect(text).toContain('engine: up');
    for (const secret of [apiUrl, String(new URL(apiUrl).port), 'SIMD', 'avx', 'model', 'backend']) expect(text).not.toContain(secret);
    await shot('status');
  });

  it('logs in to an opaque session and stays on the site whatever `next` says', async () => {
    await page.goto(`${adminUrl}/login?next=/%5Cevil.example`);
    await shot('login');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${adminUrl}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'chunkserve_admin', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.value).toMatch(/^cs_sess_/);
    expect(cookie.value).not.toContain(ADMIN_TOKEN);
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 11 * 3600);
  });

  it('creates a tenant, a key copied from its one-time dialog, and revokes a key so that the API refuses it', async () => {
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.waitForURL(`${adminUrl}/tenants`);
    await expect(page.getByText('No tenants yet').count()).resolves.toBe(1);
    await page.getByLabel('New tenant').fill('initech');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.waitForURL(/\/tenants\/[0-9a-f-]{36}$/);
    tenant.id = page.url().split('/').at(-1)!;
    await expect(page.getByTestId('tenant-name').innerText()).resolves.toBe('initech');

    // A key to revoke, then the one the tests use.
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Create API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'New API key' });
      await dialog.waitFor();
      const key = await dialog.getByTestId('new-key').innerText();
      expect(key).toMatch(/^cs_live_/);
      await dialog.getByRole('button', { name: 'Copy key' }).click();
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(key);
      if (i === 1) await shot('tenant-key');
      await dialog.getByRole('button', { name: 'Done' }).click();
      keys.push(key);
    }
    tenant.key = keys[1];
    expect((await apiCall(keys[0], 'GET', '/v1/prompts')).status).toBe(200);
    await page.reload();
    const rows = page.getByTestId('keys').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    expect(await page.locator('main').innerText()).not.toContain(keys[0]);
    await rows.first().getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await rows.first().filter({ hasText: 'revoked' }).waitFor();
    expect((await apiCall(keys[0], 'GET', '/v1/prompts')).status).toBe(401);
    expect((await apiCall(keys[1], 'GET', '/v1/prompts')).status).toBe(200);

    await page.getByLabel('Rate limit', { exact: false }).fill('1000');
    await page.getByLabel('Pinned-chunk quota').fill('500');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(page.getByTestId('quota').innerText()).resolves.toMatch(/of its quota of 500 chunks/);
  });

  it('creates a prompt and sees it warm; edits it with the reuse and dynamic-text warnings; diffs, restores and deletes', async () => {
    const content = longSystemPrompt('Initech');
    await page.goto(`${adminUrl}/prompts/new?tenant=${tenant.id}`);
    await page.getByLabel('Name').fill('draft');
    await page.getByLabel('Content').fill(content);
    await page.getByTestId('token-count').filter({ hasText: /^\d[\d,]* tokens · \d+ chunks of 16/ }).waitFor();
    await page.getByRole('button', { name: 'Create and pre-warm' }).click();
    await page.waitForURL(/\/prompts\/[0-9a-f-]{36}\?saved=1$/);
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    await expect(page.getByTestId('prompt-status').innerText()).resolves.toBe('warm');
    await expect(page.getByTestId('prompt-version').innerText()).resolves.toBe('v1');
    await expect(page.getByTestId('prompt-id').innerText()).resolves.toBe(id);

    // An early edit: reuse breaks from its chunk on; a date: changes per request.
    const edited = content.replace('You are the assistant of Initech.', 'You are the assistant of Initech Corp.');
    await page.getByLabel('Content').fill(edited);
    const warning = page.getByTestId('reuse-warning');
    await warning.waitFor();
    await expect(warning.innerText()).resolves.toMatch(/changes token \d+ \(character 32\), in chunk \d+/);
    await page.getByLabel('Content').fill(`${edited} Today is 2026-03-01.`);
    await page.getByTestId('dynamic-warning').filter({ hasText: '2026-03-01' }).waitFor();
    await page.getByTestId('chunk-view').locator('summary').click();
    await shot('prompt-editor');
    await page.getByLabel('Content').fill(edited);
    await page.getByTestId('dynamic-warning').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByTestId('saved').filter({ hasText: 'Saved as version 2.' }).waitFor();
    await expect(page.getByTestId('versions').locator('tbody tr td:first-child').allInnerTexts()).resolves.toEqual(['v2', 'v1']);

    // The diff of v1 -> v2 (the default pair).
    const diff = page.getByTestId('diff');
    await expect(diff.locator('pre ins').allInnerTexts()).resolves.toEqual([' Corp']);
    await expect(diff.locator('pre del').count()).resolves.toBe(0);
    await shot('prompt');

    await page.getByRole('button', { name: 'Restore v1' }).click();
    await page.getByTestId('saved').filter({ hasText: 'Saved as version 3.' }).waitFor();
    await expect(page.getByLabel('Content').inputValue()).resolves.toBe(content);
    await expect(page.getByTestId('prompt-version').innerText()).resolves.toBe('v3');

    await page.getByRole('button', { name: 'Delete prompt' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete prompt' }).click();
    await page.waitForURL(`${adminUrl}/prompts?deleted=1`);
    expect((await apiCall(ADMIN_TOKEN, 'GET', `/admin/prompts/${id}`)).status).toBe(404);
    expect((await apiCall(tenant.key, 'GET', '/v1/prompts')).body).toEqual([]);
  });

  it('updates the overview live while traffic runs: cards and the latency and hit-rate charts', async () => {
    support = (await apiCall(ADMIN_TOKEN, 'POST', '/admin/prompts', { tenantId: tenant.id, name: 'support', content: longSystemPrompt('Initech support') })).body;
    await apiCall(ADMIN_TOKEN, 'PUT', `/admin/prompts/${support.id}`, { content: `${longSystemPrompt('Initech support')} Be brief.` });
    await page.goto(`${adminUrl}/?tenant=${tenant.id}&range=15m`);
    await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
    expect(await figureCards(page)).toMatchObject({ Requests: '0', Prompts: '1', 'API keys': '1' });
    const dots = (chart: string) => page.locator(`[data-testid="${chart}"] .recharts-line-dots circle`).count();
    await expect(dots('chart-ttft')).resolves.toBe(0);

    for (let i = 0; i < 6; i++) await chat(support.id, `Question ${i}: where is my stapler?`);
    await page.waitForFunction(() => {
      const card = [...document.querySelectorAll('[data-testid="figures"] div')].find((d) => d.querySelector('dt')?.textContent === 'Requests');
      return card?.querySelector('dd')?.textContent === '6';
    });
    // Pushed, not reloaded.
    await expect(page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).resolves.toBe(true);
    await expect(dots('chart-ttft')).resolves.toBeGreaterThan(0);
    await expect(dots('chart-itl')).resolves.toBeGreaterThan(0);
    await expect(dots('chart-hitRate')).resolves.toBeGreaterThan(0);
    const hitRate = (await figureCards(page))['Hit rate'];
    expect(Number(hitRate.replace('%', ''))).toBeGreaterThan(50);
    // Both axes of every chart say what they measure.
    for (const chart of ['chart-ttft', 'chart-itl', 'chart-hitRate', 'chart-tokensPerSecond']) {
      const labels = await page.locator(`[data-testid="${chart}"] .recharts-label`).evaluateAll((els) => els.map((el) => el.textContent ?? ''));
      expect(labels).toContain('time (local)');
      expect(labels.some((l) => /\((ms|%)\)|tokens\/s/.test(l))).toBe(true);
    }
    await expect(page.getByTestId('chart-tokensPerSecond').locator('figcaption').innerText()).resolves.toMatch(/averaged over each 15 s bucket/);
    await shot('overview');
  });

  it('shows the chunk tree of a few thousand chunks by prompt version, bounded', async () => {
    const question = (i: number) => `Ticket ${i}: ${'the printer on floor three jams whenever someone prints a TPS report cover sheet; '.repeat(5)}`;
    for (let i = 0; i < 120; i++) await chat(support.id, question(i));
    const total = (await apiCall(ADMIN_TOKEN, 'GET', `/admin/stats/tree?tenant=${tenant.id}`)).body.chunks.length;
    expect(total).toBeGreaterThan(2000);

    const started = Date.now();
    await page.goto(`${adminUrl}/tree?tenant=${tenant.id}`);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(page.getByTestId('tree-totals').innerText()).resolves.toContain(`${total.toLocaleString('en-US')} chunks of 16 tokens`);
    expect(await page.getByTestId('run').count()).toBeLessThan(500);
    // The prompt's subtree: runs shared by both versions from the root (split where the deleted
    // draft's cached chunks branch off), pinned, then v2's own chunks and the request tails.
    const shared = await page.getByTestId('run').filter({ hasText: 'shared by support v1 and v2' }).allInnerTexts();
    expect(shared.length).toBeGreaterThanOrEqual(1);
    expect(shared[0]).toMatch(/^#0-#\d+, \d+ chunks \(\d[\d,]* tokens\), pinned, shared by support v1 and v2 · [\d,]+ hits · last use \d{4}-/);
    for (const run of shared) expect(run).toMatch(/, pinned, /);
    await expect(page.getByTestId('run').filter({ hasText: /, support v2 ·/ }).count()).resolves.toBeGreaterThan(0);
    const versions = await page.getByTestId('tree-versions').locator('tbody tr').allInnerTexts();
    expect(versions.some((row) => /support\s+v2 \(current\)/.test(row))).toBe(true);
    await expect(page.getByTestId('hidden').first().textContent()).resolves.toMatch(/more request tails \([\d,]+ chunks, [\d,]+ tokens\)/);
    await shot('tree');
  });

  it('chats in the playground as the tenant with its prompt: TTFT, tokens/s and cached tokens per reply', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.waitForURL(`${adminUrl}/playground`);
    await page.getByLabel('Tenant').selectOption({ label: 'initech' });
    await page.getByLabel('Prompt').selectOption({ label: 'support (v2)' });
    await page.getByLabel('Message').fill('Where is my stapler?');
    await page.getByRole('button', { name: 'Send' }).click();
    const stats = page.getByTestId('reply-stats');
    await stats.waitFor();
    const [, cached, prompt] = /· ([\d,]+) of ([\d,]+) prompt tokens cached/.exec(await stats.innerText())!;
    expect(Number(cached.replace(/,/g, ''))).toBeGreaterThanOrEqual(Math.floor(support.tokens / 16) * 16);
    expect(Number(prompt.replace(/,/g, ''))).toBeGreaterThan(Number(cached.replace(/,/g, '')));
    await expect(stats.innerText()).resolves.toMatch(/^TTFT \d+\.\d ms · \d+\.\d tokens\/s/);
    await shot('playground');
    await page.goto(`${adminUrl}/tenants`);
    await shot('tenants');
    await page.goto(`${adminUrl}/tenants/${tenant.id}`);
    await shot('tenant');
    await page.goto(`${adminUrl}/prompts`);
    await shot('prompts');
  });

  it('never lets the browser talk to the API', () => {
    expect(browserRequests.filter((url) => !url.startsWith(adminUrl))).toEqual([]);
  });

  it('logs out and revokes the session: its id no longer works anywhere', async () => {
    const [{ value: session }] = await context.cookies();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${adminUrl}/login`);
    expect(await context.cookies()).toEqual([]);
    expect((await apiCall(session, 'GET', '/admin/tenants')).status).toBe(401);
    const replayed = await fetch(`${adminUrl}/tenants`, { redirect: 'manual', headers: { cookie: `chunkserve_admin=${session}` } });
    expect([303, 307]).toContain(replayed.status);
    expect(new URL(replayed.headers.get('location')!, adminUrl).pathname).toBe('/login');
  });

  it('throttles failed logins', async () => {
    await page.goto(`${adminUrl}/login`);
    /**
     * One login attempt, awaited until the server action answered and React committed its result:
     * the button reads 'Log in' again (it reads 'Checking…' while pending). React resets the form
     * in that commit, so filling the next token before it would lose the token.
     */
    const attempt = async (token: string) => {
      await page.getByLabel('Admin token').fill(token);
      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${adminUrl}/login`));
      await page.getByRole('button', { name: 'Log in' }).click();
      await answered;
      await page.getByRole('button', { name: 'Log in' }).waitFor();
    };
    for (let i = 0; i < 5; i++) await attempt(`wrong-token-${i}`);
    await page.getByTestId('login-error').filter({ hasText: 'The API rejected this token.' }).waitFor();
    await attempt(ADMIN_TOKEN);
    await page.getByTestId('login-error').filter({ hasText: /^Too many failed logins: try again in \d+ s\.$/ }).waitFor();
    expect(await context.cookies()).toEqual([]);
  });
});
