// The admin UI in a real browser: its public status page (no login) reaches the API and shows the
// platform's health, and nothing else (no addresses, hardware or model).
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Browser } from 'playwright-core';

import { spawnAdmin, type AdminProcess } from '../support/admin-process';
import { spawnApi, waitForStatus, type ApiProcess } from '../support/api-process';
import { launchBrowser } from '../support/browser';
import { freePort } from '../support/free-port';

describe('admin UI status page', () => {
  let api: ApiProcess;
  let admin: AdminProcess;
  let browser: Browser;
  let adminUrl: string;

  beforeAll(async () => {
    const [port, pgPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'chunkserve-admin-'));
    api = spawnApi({ PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir });
    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, api);
    admin = spawnAdmin(adminPort, `http://127.0.0.1:${port}`);
    adminUrl = `http://127.0.0.1:${adminPort}/status`;
    await waitForStatus(adminUrl, 200, admin);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    await api?.stop();
  });

  it('shows that the API, its database and its engine are up', async () => {
    const page = await browser.newPage();
    await page.goto(adminUrl);
    await expect(page.getByTestId('api-status').innerText()).resolves.toBe('API: ok');
    await expect(page.locator('li').allInnerTexts()).resolves.toEqual(['database: up', 'engine: up']);
    expect(await page.locator('main').innerText()).not.toMatch(/127\.0\.0\.1|SIMD|backend|chunkserve-demo/);
  });
});
