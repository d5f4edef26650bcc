// The admin token: ADMIN_TOKEN when set; otherwise generated once, stored under DATA_DIR (mode
// 600) and printed once, on the start that created it.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import type { Environment } from '../config/environment';

export function resolveAdminToken(env: Environment, print: (msg: string) => void): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = join(env.DATA_DIR, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();

  const token = `csa_${randomBytes(24).toString('base64url')}`;
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  print(
    `\n  ADMIN_TOKEN was not set, so one was generated and stored in ${file}.\n` +
      `  Admin token (shown only this once): ${token}\n`,
  );
  return token;
}
