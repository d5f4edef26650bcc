// Server actions: an API refusal (a 4xx with its message) goes back to the page as ?error=.
import 'server-only';
import { redirect } from 'next/navigation';

import { ApiError } from './api';

/** Runs `work`; on an ApiError, redirects to `page` with the API's message. */
export async function orBackWithError<T>(page: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    redirect(`${page}${page.includes('?') ? '&' : '?'}error=${encodeURIComponent(err.message)}`);
  }
}
