import type { ReactNode } from 'react';

export const metadata = { title: 'ChunkServe admin' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem', color: '#1a1a1a' }}>
        <header style={{ marginBottom: '1.5rem' }}>
          <strong>ChunkServe</strong> admin
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
