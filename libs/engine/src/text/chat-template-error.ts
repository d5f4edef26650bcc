/**
 * The chat template refused the conversation (its raise_exception, e.g. "Conversation roles must
 * alternate user/assistant/user/assistant/...") or failed on it: the caller's input, not a bug.
 * Recognised by `code` (errors may cross module realms).
 */
export class ChatTemplateError extends Error {
  readonly code = 'ERR_CHAT_TEMPLATE';

  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

export function isChatTemplateError(err: unknown): err is ChatTemplateError {
  return (err as { code?: unknown })?.code === 'ERR_CHAT_TEMPLATE';
}
