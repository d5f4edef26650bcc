import { safeNext } from './safe-next';

describe('safeNext', () => {
  it('keeps paths on this site, with their query', () => {
    expect(safeNext('/tenants')).toBe('/tenants');
    expect(safeNext('/prompts?tenant=abc')).toBe('/prompts?tenant=abc');
  });

  it('refuses anything that leaves the site, as a browser would parse it', () => {
    for (const next of ['/\\evil.example', '//evil.example', '/\t/evil.example', '\\\\evil.example', 'https://evil.example', 'evil.example', '/\\/evil.example', '', null, 42]) {
      expect(safeNext(next)).toBe('/');
    }
  });
});
