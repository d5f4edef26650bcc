'use client';
import { useActionState } from 'react';

import { login, type LoginState } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, { error: null });
  return (
    <form action={action} className="login">
      <input type="hidden" name="next" value={next} />
      <label>
        Admin token
        <input name="token" type="password" autoComplete="current-password" required autoFocus />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Checking…' : 'Log in'}
      </button>
      {state.error && (
        <p className="error" role="alert" data-testid="login-error">
          {state.error}
        </p>
      )}
    </form>
  );
}
