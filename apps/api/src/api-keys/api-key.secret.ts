// API keys: `cs_live_<public id>_<secret>`. The public part (`cs_live_<id>`) is stored and finds
// the row; only the SHA-256 of the whole key is stored, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'crypto';

const KEY_PATTERN = /^(cs_live_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface GeneratedKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): GeneratedKey {
  const id = Array.from(randomBytes(12), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  const prefix = `cs_live_${id}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The stored prefix of a well-formed key, else null (no database lookup for garbage). */
export function prefixOf(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

export function keyMatches(key: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(key);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}

/** Constant-time comparison of two secrets of any length (compares their SHA-256). */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(hashApiKey(given), hashApiKey(expected));
}

/** The token of an `Authorization: Bearer <token>` header, else null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match ? match[1] : null;
}
