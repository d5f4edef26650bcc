// The engine's errors as the API answers them, told apart by their code (never by message text):
// ERR_CACHE_FULL is the platform's 503 (try again shortly), ERR_PROMPT_TOO_LARGE the caller's 400
// (no amount of waiting makes it fit), ERR_NOT_PINNED an unpin that is already done.
import { engineErrorCode } from '@chunkserve/engine';

import { OpenAiError } from '../common/openai-error';

/** Seconds a client refused with 503 engine_overloaded is told to wait (Retry-After). */
export const OVERLOADED_RETRY_AFTER_SECONDS = 2;

/** The engine's memory pool cannot hold what was asked now (pinned prompts or running sequences). */
export class EngineCapacityError extends Error {
  readonly retryAfterSeconds = OVERLOADED_RETRY_AFTER_SECONDS;

  constructor(message: string) {
    super(message);
    this.name = 'EngineCapacityError';
  }
}

/** The chat template refused the conversation (libs/engine's ChatTemplateError, told by its code). */
export function isChatTemplateError(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'ERR_CHAT_TEMPLATE';
}

/** An unpin of a prefix that is not pinned (the engine's ERR_NOT_PINNED): it is unpinned already. */
export function isNotPinnedError(err: unknown): boolean {
  return engineErrorCode(err) === 'ERR_NOT_PINNED';
}

/** An engine error as the API answers it: a 400 for a prompt that can never fit, a 503 for a full pool, else itself. */
export function apiErrorOf(err: unknown): unknown {
  const code = engineErrorCode(err);
  const message = String((err as Error)?.message ?? err);
  if (code === 'ERR_PROMPT_TOO_LARGE') {
    return OpenAiError.badRequest(`The prompt can never fit the engine's KV cache pool, whatever the load: ${message}`, 'prompt_too_large', 'messages');
  }
  if (code === 'ERR_CACHE_FULL') return new EngineCapacityError(message);
  return err;
}
