'use client';
// Creates an API key and shows it once in a dialog with a copy button; the page never shows it again.
import { useRouter } from 'next/navigation';
import { useActionState, useEffect, useRef } from 'react';

import { createKeyAction, type CreatedKeyState } from '../app/tenants/actions';
import { CopyButton } from './copy-button';

export function CreateKeyButton({ tenantId }: { tenantId: string }) {
  const [state, action, pending] = useActionState<CreatedKeyState, FormData>(createKeyAction, { key: null, error: null });
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  useEffect(() => {
    if (state.key) dialog.current?.showModal();
  }, [state.key]);
  return (
    <>
      <form action={action}>
        <input type="hidden" name="tenantId" value={tenantId} />
        <button type="submit" disabled={pending}>
          {pending ? 'Creating…' : 'Create API key'}
        </button>
      </form>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <dialog ref={dialog} aria-label="New API key">
        <h3>New API key</h3>
        <p>Copy it now: it is shown only this once (only its hash is stored).</p>
        <p>
          <code data-testid="new-key">{state.key?.key}</code>
        </p>
        <div className="actions">
          {state.key && <CopyButton key={state.key.key} text={state.key.key} label="Copy key" />}
          <button
            type="button"
            onClick={() => {
              dialog.current?.close();
              // The keys table shows the new key's prefix; the secret is gone with the dialog.
              router.refresh();
            }}
          >
            Done
          </button>
        </div>
      </dialog>
    </>
  );
}
