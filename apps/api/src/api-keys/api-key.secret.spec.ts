import { bearerToken, generateApiKey, hashApiKey, keyMatches, prefixOf, secretsEqual } from './api-key.secret';

describe('API key secrets', () => {
  it('generates distinct, recognisable keys whose prefix finds them and whose hash matches', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^cs_live_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(prefixOf(a.key)).toBe(a.prefix);
    expect(a.key.startsWith(a.prefix)).toBe(true);
    expect(a.hash.equals(hashApiKey(a.key))).toBe(true);
    expect(keyMatches(a.key, a.hash)).toBe(true);
    expect(keyMatches(b.key, a.hash)).toBe(false);
  });

  it('rejects malformed keys without a lookup', () => {
    const { key } = generateApiKey();
    expect(prefixOf(key.slice(0, -1))).toBeNull();
    expect(prefixOf(`${key}x`)).toBeNull();
    expect(prefixOf('sk-abc')).toBeNull();
    expect(prefixOf('')).toBeNull();
  });

  it('a tampered secret with the right prefix does not match', () => {
    const { key, hash } = generateApiKey();
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(keyMatches(key.slice(0, -1) + last, hash)).toBe(false);
  });

  it('compares admin tokens of any length', () => {
    expect(secretsEqual('a-long-admin-token-123', 'a-long-admin-token-123')).toBe(true);
    expect(secretsEqual('short', 'a-long-admin-token-123')).toBe(false);
  });

  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
  });
});
