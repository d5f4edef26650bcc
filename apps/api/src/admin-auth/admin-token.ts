// The admin token: ADMIN_TOKEN when set; otherwise generated once, stored under DATA_DIR (mode
// 600) and printed once, on the start that created it.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { EnvironmentError, type Environment } from '../config/environment';

/** The shortest admin token accepted, from ADMIN_TOKEN or the stored file. */
export const MIN_ADMIN_TOKEN_CHARS = 16;

export function resolveAdminToken(env: Environment, print: (msg: string) => void): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = join(env.DATA_DIR, 'admin-token');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < MIN_ADMIN_TOKEN_CHARS) {
      throw new EnvironmentError(
        `${file} holds no usable admin token (it is empty or shorter than ${MIN_ADMIN_TOKEN_CHARS} characters): ` +
          'write a token there, set ADMIN_TOKEN, or delete the file to have one generated.',
      );
    }
    return stored;
  }

  const token = `csa_${randomBytes(24).toString('base64url')}`;
  mkdirSync(env.DATA_DIR, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  print(
    `\n  ADMIN_TOKEN was not set, so one was generated and stored in ${file}.\n` +
      `  Admin token (shown only this once): ${token}\n`,
  );
  return token;
}
