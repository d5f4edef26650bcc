import { safeNext } from '../../lib/safe-next';
import { LoginForm } from './login-form';

export const metadata = { title: 'Log in · ChunkServe admin' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string; expired?: string }> }) {
  const { next, expired } = await searchParams;
  return (
    <section>
      <h1>Log in</h1>
      <p>
        Paste the API&apos;s admin token (<code>ADMIN_TOKEN</code>, or the one the API generated under{' '}
        <code>DATA_DIR</code> at first start). The API checks it and opens a session; this site keeps only the session&apos;s id, in an httpOnly
        cookie, until you log out or it expires (12 hours, or 1 hour idle).
      </p>
      {expired && <p className="error">Your session ended (logged out, expired or idle); log in again.</p>}
      <LoginForm next={safeNext(next)} />
    </section>
  );
}
