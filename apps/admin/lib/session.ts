// The operator's session: an opaque session id from the API in an httpOnly cookie, read on the
// server only. The API keeps the session (logout revokes it, it expires); the cookie never holds
// the admin token.
import 'server-only';
import { cookies, headers } from 'next/headers';

import { SESSION_COOKIE } from './session-cookie';

export async function sessionId(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

export async function startSession(session: string, expiresAt: string): Promise<void> {
  // Secure when the operator reached us over HTTPS (a TLS proxy in front): a Secure cookie would
  // never come back over plain HTTP, as on localhost and in the tests.
  const https = (await headers()).get('x-forwarded-proto') === 'https';
  (await cookies()).set(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'strict', secure: https, path: '/', expires: new Date(expiresAt) });
}

export async function endSession(): Promise<string | null> {
  const session = await sessionId();
  (await cookies()).delete(SESSION_COOKIE);
  return session;
}
