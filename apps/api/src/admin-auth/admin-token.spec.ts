import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { EnvironmentError, validateEnvironment } from '../config/environment';
import { resolveAdminToken } from './admin-token';

describe('resolveAdminToken', () => {
  const envWith = (dataDir: string, adminToken?: string) => validateEnvironment({ DATA_DIR: dataDir, ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}) });

  it('generates a token once, stores it and reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-token-'));
    const printed: string[] = [];
    const token = resolveAdminToken(envWith(dir), (m) => printed.push(m));
    expect(readFileSync(join(dir, 'admin-token'), 'utf8').trim()).toBe(token);
    expect(resolveAdminToken(envWith(dir), (m) => printed.push(m))).toBe(token);
    expect(printed).toHaveLength(1);
    expect(resolveAdminToken(envWith(dir, 'x'.repeat(20)), () => undefined)).toBe('x'.repeat(20));
  });

  it('refuses an empty or short stored token rather than accepting an empty admin token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-token-'));
    for (const content of ['', '\n', 'short\n']) {
      writeFileSync(join(dir, 'admin-token'), content);
      expect(() => resolveAdminToken(envWith(dir), () => undefined)).toThrow(EnvironmentError);
      expect(() => resolveAdminToken(envWith(dir), () => undefined)).toThrow(/holds no usable admin token/);
    }
  });
});
