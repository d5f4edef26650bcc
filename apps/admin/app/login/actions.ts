'use server';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';

import { ApiError, createSession, revokeSession } from '../../lib/api';
import { safeNext } from '../../lib/safe-next';
import { endSession, startSession } from '../../lib/session';

export interface LoginState {
  error: string | null;
}

/** The browser's address as this server saw it (the API throttles failed logins per client). */
async function clientAddress(): Promise<string | null> {
  return (await headers()).get('x-forwarded-for')?.split(',')[0].trim() || null;
}

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const token = String(form.get('token') ?? '').trim();
  if (!token) return { error: 'Paste the admin token.' };
  try {
    const { session, expiresAt } = await createSession(token, await clientAddress());
    await startSession(session, expiresAt);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 401) return { error: 'The API rejected this token.' };
    if (err.status === 429) return { error: `Too many failed logins: try again in ${err.retryAfter ?? 'a few'} s.` };
    return { error: 'The API could not be reached; try again.' };
  }
  redirect(safeNext(form.get('next')));
}

export async function logout(): Promise<void> {
  const session = await endSession();
  if (session) await revokeSession(session);
  redirect('/login');
}
