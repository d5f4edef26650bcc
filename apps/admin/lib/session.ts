// The operator's session: the admin token in an httpOnly cookie, read on the server only.
import 'server-only';
import { cookies, headers } from 'next/headers';

import { SESSION_COOKIE } from './session-cookie';

/** The admin token of this request's session, or null when not logged in. */
export async function sessionToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

export async function startSession(token: string): Promise<void> {
  // Secure when the operator reached us over HTTPS (a TLS proxy in front): a Secure cookie would
  // never come back over plain HTTP, as on localhost and in the tests.
  const https = (await headers()).get('x-forwarded-proto') === 'https';
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: https,
    path: '/',
    maxAge: 60 * 60 * 12,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}
