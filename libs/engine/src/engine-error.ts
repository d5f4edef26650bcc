// Errors of the engine that callers act on carry a stable code (native/index.d.ts
// RuntimeErrorCode, plus ERR_CLOSED here): map them by code, never by message text.
import type { RuntimeErrorCode } from '@chunkserve/native';

export type EngineErrorCode = RuntimeErrorCode | 'ERR_CLOSED';

export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: EngineErrorCode,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The code of an engine error (also of the addon's synchronous throws, which set `code`), or null. */
export function engineErrorCode(err: unknown): EngineErrorCode | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^ERR_(PROMPT_TOO_LARGE|CACHE_FULL|NOT_PINNED|ENGINE|CLOSED)$/.test(code) ? (code as EngineErrorCode) : null;
}
