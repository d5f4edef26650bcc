import Link from 'next/link';
import type { ReactNode } from 'react';

import { sessionId } from '../lib/session';
import { logout } from './login/actions';
import './dashboard.css';

export const metadata = { title: 'ChunkServe admin' };

const PAGES: [string, string][] = [
  ['/', 'Overview'],
  ['/tenants', 'Tenants'],
  ['/prompts', 'Prompts'],
  ['/tree', 'Chunk tree'],
  ['/playground', 'Playground'],
];

export default async function RootLayout({ children }: { children: ReactNode }) {
  const loggedIn = (await sessionId()) !== null;
  return (
    <html lang="en">
      <body>
        <header className="top">
          <strong>ChunkServe</strong> admin
          <nav aria-label="Main">
            {loggedIn &&
              PAGES.map(([href, label]) => (
                <Link key={href} href={href}>
                  {label}
                </Link>
              ))}
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
