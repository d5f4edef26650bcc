'use server';
import { redirect } from 'next/navigation';

import { checkAdminToken } from '../../lib/api';
import { endSession, startSession } from '../../lib/session';

export interface LoginState {
  error: string | null;
}

/** Only same-site paths: `next` comes from the URL, so it must not redirect elsewhere. */
function safeNext(next: FormDataEntryValue | null): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const token = String(form.get('token') ?? '').trim();
  if (!token) return { error: 'Paste the admin token.' };
  const check = await checkAdminToken(token);
  if (check === 'invalid') return { error: 'The API rejected this token.' };
  if (check === 'unreachable') return { error: 'The API could not be reached; try again.' };
  await startSession(token);
  redirect(safeNext(form.get('next')));
}

export async function logout(): Promise<void> {
  await endSession();
  redirect('/login');
}
