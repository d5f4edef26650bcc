// Where to go after login: `next` comes from the URL, so only a path on this site is accepted.

const PLACEHOLDER = 'http://admin.invalid';

/**
 * A same-origin path (with its query), else "/". Parsed as a browser would: `/\evil.example`,
 * `//evil.example` and `/\t/evil.example` all name another host and are refused.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, PLACEHOLDER);
  } catch {
    return '/';
  }
  if (url.origin !== PLACEHOLDER) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
