// Shared by the proxy (which cannot import server-only modules) and lib/session.ts.
export const SESSION_COOKIE = 'chunkserve_admin';
