// Every dashboard page needs a session: without the cookie, go to /login. Whether the token is
// still valid is checked by the API on each call (lib/api.ts sends a rejected one to /login too).
import { NextResponse, type NextRequest } from 'next/server';

import { SESSION_COOKIE } from './lib/session-cookie';

export function proxy(request: NextRequest) {
  if (request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const login = new URL('/login', request.url);
  login.searchParams.set('next', request.nextUrl.pathname);
  return NextResponse.redirect(login);
}

export const config = {
  // Public: the login page, the status page, Next's own assets.
  matcher: ['/((?!login|status|_next/|favicon.ico).*)'],
};
