// What the prompt triggers notify (migration 1767398400000-prompt-change-notify): every replica
// LISTENs on this channel and reconciles its engine's pins with the database on each notification.

/** The LISTEN/NOTIFY channel of prompt writes. */
export const PROMPT_CHANGES_CHANNEL = 'chunkserve_prompts';

/** A notification's JSON payload. */
export interface PromptChange {
  table: 'prompts' | 'prompt_versions';
  op: 'insert' | 'update' | 'delete';
  /** Null for a version whose prompt row is already gone (a cascaded delete). */
  tenant_id: string | null;
  prompt_id: string;
}
