// The operator's session: the admin token in an httpOnly cookie, read on the server only.
import 'server-only';
import { cookies } from 'next/headers';

import { SESSION_COOKIE } from './session-cookie';

/** The admin token of this request's session, or null when not logged in. */
export async function sessionToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

export async function startSession(token: string): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    // Secure only behind HTTPS: a plain-HTTP deployment (and the tests) could not log in otherwise.
    secure: process.env.NODE_ENV === 'production' && process.env.ADMIN_COOKIE_SECURE === 'true',
    path: '/',
    maxAge: 60 * 60 * 12,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}
