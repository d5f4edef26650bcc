// The API and the admin UI as real processes (embedded Postgres, demo model), for browser tests.
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

import { spawnAdmin, type AdminProcess } from './admin-process';
import { spawnApi, waitForStatus, type ApiProcess } from './api-process';
import { launchBrowser } from './browser';
import { freePort } from './free-port';

export interface AdminStack {
  api: ApiProcess;
  admin: AdminProcess;
  apiUrl: string;
  adminUrl: string;
  stop(): Promise<void>;
}

/** Starts the API with `env` (on fresh ports and a fresh DATA_DIR), then the admin UI against it. */
export async function startAdminStack(env: Record<string, string> = {}): Promise<AdminStack> {
  const [port, pgPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'chunkserve-admin-'));
  const api = spawnApi({ PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir, ...env });
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitForStatus(`${apiUrl}/readyz`, 200, api);
  const admin = spawnAdmin(adminPort, apiUrl);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitForStatus(`${adminUrl}/login`, 200, admin);
  return {
    api,
    admin,
    apiUrl,
    adminUrl,
    async stop() {
      await admin.stop();
      await api.stop();
    },
  };
}

/** Chromium with one page, recording every URL the page requests. */
export async function openPage(options: BrowserContextOptions = {}): Promise<{ browser: Browser; page: Page; requests: string[] }> {
  const browser = await launchBrowser();
  const page = await (await browser.newContext(options)).newPage();
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  return { browser, page, requests };
}

/** The overview's figure cards as { label: value }. */
export async function figureCards(page: Page): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  for (const card of await page.getByTestId('figures').locator('div').all()) figures[await card.locator('dt').innerText()] = await card.locator('dd').innerText();
  return figures;
}
