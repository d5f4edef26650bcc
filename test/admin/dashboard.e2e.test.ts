// The admin dashboard in a real browser against the real API: login (wrong and right token), the
// overview figures, a tenant's prompt in the Prompts and Chunk tree pages, logout, and redirects
// to /login without a session. (test/admin/console.e2e.test.ts covers the console's workflows.)
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { figureCards, openPage, startAdminStack, type AdminStack } from '../support/admin-stack';

const ADMIN_TOKEN = 'dashboard-e2e-admin-token-0123';

describe('admin dashboard', () => {
  let stack: AdminStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let apiUrl: string;
  let adminUrl: string;
  let browserRequests: string[];

  /** JSON over fetch to the spawned API. */
  async function apiCall(token: string, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  beforeAll(async () => {
    stack = await startAdminStack({ ADMIN_TOKEN, STATS_INTERVAL_MS: '200' });
    ({ apiUrl, adminUrl } = stack);
    ({ browser, page, requests: browserRequests } = await openPage());
    context = page.context();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('redirects dashboard pages to /login without a session', async () => {
    for (const path of ['/', '/prompts', '/tree', '/tenants', '/live']) {
      const res = await fetch(`${adminUrl}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(307);
      const location = new URL(res.headers.get('location')!, adminUrl);
      expect(location.pathname).toBe('/login');
      // The proxy (not only the page's own check) redirected, keeping where to return after login.
      expect(location.searchParams.get('next')).toBe(path);
    }
    // A made-up cookie gets past the proxy, but the API rejects it and the page sends it to /login.
    const forged = await fetch(`${adminUrl}/prompts`, { redirect: 'manual', headers: { cookie: 'chunkserve_admin=not-the-token' } });
    expect([303, 307]).toContain(forged.status);
    expect(new URL(forged.headers.get('location')!, adminUrl).pathname).toBe('/login');
    await page.goto(`${adminUrl}/tree`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/tree');
  });

  it('shows an error for a wrong token and sets no session', async () => {
    await page.goto(`${adminUrl}/login`);
    await page.getByLabel('Admin token').fill('wrong-token-0123456789');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByTestId('login-error').innerText()).resolves.toBe('The API rejected this token.');
    expect(await context.cookies()).toEqual([]);
  });

  it('logs in with the right token into an httpOnly cookie and shows the overview', async () => {
    await page.goto(`${adminUrl}/login?next=/tenants`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back to where the proxy sent the operator from.
    await page.waitForURL(`${adminUrl}/tenants`);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.waitForURL(`${adminUrl}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'chunkserve_admin', value: expect.stringMatching(/^cs_sess_/), httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).not.toContain(ADMIN_TOKEN);

    const figures = await figureCards(page);
    expect(figures).toMatchObject({ Tenants: '0', Prompts: '0', Requests: '0', 'Hit rate': '–', Running: '0', Waiting: '0' });
    expect(figures['KV free']).toMatch(/^[\d.]+ (KiB|MiB|GiB)$/);
    await expect(page.getByTestId('model').innerText()).resolves.toBe('chunkserve-demo-random-llama');
    // The device from /readyz: this machine's SIMD level on the CPU, the GPU and its memory on CUDA.
    await expect(page.getByTestId('device').innerText()).resolves.toMatch(/^(CPU \((avx512|avx2|portable)\)|.+, [\d.]+ of [\d.]+ GiB in use)$/);
    await expect(page.getByTestId('demo-note').innerText()).resolves.toMatch(/weights are random/);
    // recharts drew the charts in the browser.
    for (const chart of ['chart-ttft', 'chart-itl', 'chart-hitRate', 'chart-tokensPerSecond', 'live']) {
      await expect(page.locator(`[data-testid="${chart}"] svg`).count()).resolves.toBeGreaterThan(0);
    }
    // The live panel listens to the dashboard's /live route, which relays the API's pushed samples.
    await page.getByTestId('live-samples').filter({ hasText: /^[1-9]\d* samples$/ }).waitFor();
  });

  it("shows a tenant's prompt, its requests and its chunks", async () => {
    const tenant = await apiCall(ADMIN_TOKEN, 'POST', '/admin/tenants', { name: 'initech' });
    await apiCall(ADMIN_TOKEN, 'POST', '/admin/tenants', { name: 'hooli' });
    const { key } = await apiCall(ADMIN_TOKEN, 'POST', `/admin/tenants/${tenant.id}/api-keys`);
    const rules = Array.from({ length: 12 }, (_, i) => `Rule ${i + 1}: answer questions about TPS reports briefly, citing rule ${i + 1}.`);
    const prompt = await apiCall(key, 'POST', '/v1/prompts', { name: 'tps-helper', content: ['You are the assistant of Initech.', ...rules].join(' ') });
    expect(prompt.chunks).toBeGreaterThan(1);
    // Shares the first one's leading full chunks, so the tree branches where the two diverge.
    const rules2 = Array.from({ length: 4 }, (_, i) => `Extra rule ${i + 1}: be kind about staplers.`);
    await apiCall(key, 'POST', '/v1/prompts', { name: 'tps-helper-kind', content: ['You are the assistant of Initech.', ...rules, ...rules2].join(' ') });
    const model = (await apiCall(key, 'GET', '/v1/models')).data[0].id;
    await apiCall(key, 'POST', '/v1/chat/completions', { model, prompt_id: prompt.id, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });

    await page.goto(`${adminUrl}/`);
    expect(await figureCards(page)).toMatchObject({ Tenants: '2', 'API keys': '1', Prompts: '2', Requests: '1' });
    // The hit-rate series marks buckets with requests: initech's one request, none for hooli.
    const hitRateDots = () => page.locator('[data-testid="chart-hitRate"] .recharts-line-dots circle').count();
    await expect(hitRateDots()).resolves.toBe(1);
    await page.getByLabel('Tenant').selectOption({ label: 'hooli' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/\/\?tenant=/);
    await expect(hitRateDots()).resolves.toBe(0);

    await page.getByRole('link', { name: 'Prompts' }).click();
    await page.waitForURL(`${adminUrl}/prompts`);
    await expect(page.getByTestId('prompts').locator('tbody tr').count()).resolves.toBe(2);
    const row = page.getByTestId('prompts').locator('tbody tr', { hasText: 'tps-helper' }).filter({ hasNotText: 'kind' });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells.slice(0, 8)).toEqual([
      'initech',
      'tps-helper',
      '1',
      prompt.tokens.toLocaleString('en-US'),
      prompt.cachedTokens.toLocaleString('en-US'),
      String(prompt.chunks),
      'warm',
      '1',
    ]);
    expect(cells[8]).toMatch(/^\d+\.\d%$/);
    expect(cells[9]).toMatch(/^\d+\.\d ms$/);
    // The other tenant has no prompts.
    await page.getByLabel('Tenant').selectOption({ label: 'hooli' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/\/prompts\?tenant=/);
    await expect(page.getByText('No prompts registered for this tenant.').count()).resolves.toBe(1);

    await page.goto(`${adminUrl}/tree`);
    await page.getByLabel('Tenant').selectOption({ label: 'initech' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${adminUrl}/tree?tenant=${tenant.id}`);
    // The two prompts share their leading full chunks: one pinned run labelled with both, then each one's own.
    const runs = await page.getByTestId('run').allInnerTexts();
    expect(runs[0]).toMatch(/^#0-#\d+, \d+ chunks \(\d+ tokens\), pinned, shared by tps-helper v1, tps-helper-kind v1/);
    expect(runs.some((r) => /, tps-helper v1 ·/.test(r))).toBe(true);
    expect(runs.some((r) => /, tps-helper-kind v1 ·/.test(r))).toBe(true);
    const tree = await apiCall(ADMIN_TOKEN, 'GET', `/admin/stats/tree?tenant=${tenant.id}`);
    await expect(page.getByTestId('tree-totals').innerText()).resolves.toContain(`${tree.chunks.length} chunks of ${tree.chunkSize} tokens`);

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.waitForURL(`${adminUrl}/tenants`);
    const names = await page.getByTestId('tenants').locator('tbody tr td:first-child').allInnerTexts();
    expect(names.sort()).toEqual(['hooli', 'initech']);
  });

  it('never lets the browser talk to the API', () => {
    expect(browserRequests.length).toBeGreaterThan(0);
    expect(browserRequests.filter((url) => !url.startsWith(adminUrl))).toEqual([]);
  });

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${adminUrl}/login`);
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${adminUrl}/prompts`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
