import { LoginForm } from './login-form';

export const metadata = { title: 'Log in · ChunkServe admin' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string; expired?: string }> }) {
  const { next, expired } = await searchParams;
  return (
    <section>
      <h1>Log in</h1>
      <p>
        Paste the API&apos;s admin token (<code>ADMIN_TOKEN</code>, or the one the API generated under{' '}
        <code>DATA_DIR</code> at first start). It is kept in an httpOnly cookie and used by this server only.
      </p>
      {expired && <p className="error">The API no longer accepts the session&apos;s token; log in again.</p>}
      <LoginForm next={next ?? '/'} />
    </section>
  );
}
