'use client';
// A destructive action behind a confirmation dialog: the dialog's form posts to the server action.
import { useRef, type ReactNode } from 'react';

export interface ConfirmButtonProps {
  label: string;
  title: string;
  children: ReactNode;
  action: (form: FormData) => Promise<void>;
  fields?: Record<string, string>;
  confirmLabel?: string;
}

export function ConfirmButton({ label, title, children, action, fields = {}, confirmLabel = label }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-label={title}>
        <h3>{title}</h3>
        <div>{children}</div>
        <form action={action} className="actions">
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="danger">
            {confirmLabel}
          </button>
        </form>
      </dialog>
    </>
  );
}
