import { displayValue, maskSecrets, maskUrlPassword } from './secrets';

describe('secrets in boot messages', () => {
  it('hides tokens and the database password, shows everything else', () => {
    expect(displayValue('ADMIN_TOKEN', 'short')).toBe('<hidden, 5 characters>');
    expect(displayValue('METRICS_TOKEN', 'x')).toBe('<hidden, 1 characters>');
    expect(displayValue('DATABASE_URL', 'mysql://u:p%40ss@h/db')).toBe('"mysql://u:***@h/db"');
    expect(displayValue('PORT', 'abc')).toBe('"abc"');
    expect(maskUrlPassword('postgres://chunk:s3cret@db:5432/x')).toBe('postgres://chunk:***@db:5432/x');
    expect(maskUrlPassword('postgres://db/x')).toBe('postgres://db/x');
  });

  it('masks every secret value wherever it appears in a text', () => {
    const raw = { ADMIN_TOKEN: 'admin-secret-123', METRICS_TOKEN: 'metrics-secret-9', DATABASE_URL: 'postgres://u:p%40ssword@h/db', PORT: '3000' };
    const text = 'failed: admin-secret-123 / metrics-secret-9 / p%40ssword / p@ssword on port 3000';
    expect(maskSecrets(text, raw)).toBe('failed: *** / *** / *** / *** on port 3000');
  });
});
