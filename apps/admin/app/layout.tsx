import Link from 'next/link';
import type { ReactNode } from 'react';

import { sessionToken } from '../lib/session';
import { logout } from './login/actions';
import './dashboard.css';

export const metadata = { title: 'ChunkServe admin' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const loggedIn = (await sessionToken()) !== null;
  return (
    <html lang="en">
      <body>
        <header className="top">
          <strong>ChunkServe</strong> admin
          <nav>
            {loggedIn && (
              <>
                <Link href="/">Overview</Link>
                <Link href="/prompts">Prompts</Link>
                <Link href="/tree">Chunk tree</Link>
                <Link href="/tenants">Tenants</Link>
              </>
            )}
            <Link href="/status">Status</Link>
          </nav>
          {loggedIn && (
            <form action={logout}>
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
