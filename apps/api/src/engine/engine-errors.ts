import { engineErrorCode } from '@chunkserve/engine';

/** The engine's memory pool cannot hold what was asked (pinned prompts or running sequences). */
export class EngineCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineCapacityError';
  }
}

/**
 * The engine reports a full pool with these words ("the prompt does not fit in the KV cache pool
 * (raise kvCacheBytes)"); its errors may come from another realm, so the text is matched.
 */
export function isCapacityError(err: unknown): boolean {
  const code = engineErrorCode(err);
  if (code === 'ERR_CACHE_FULL' || code === 'ERR_PROMPT_TOO_LARGE') return true;
  const message = (err as { message?: unknown })?.message;
  return typeof message === 'string' && /does not fit in the KV cache|more KV cache than|raise kvCacheBytes|pool (is )?full/i.test(message);
}

/** The chat template refused the conversation (libs/engine's ChatTemplateError, told by its code). */
export function isChatTemplateError(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'ERR_CHAT_TEMPLATE';
}

/** An unpin of a prefix that is not pinned (the engine's ERR_NOT_PINNED): it is unpinned already. */
export function isNotPinnedError(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'ERR_NOT_PINNED';
}
