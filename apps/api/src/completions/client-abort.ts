import type { Response } from 'express';

/** Aborted when the client goes away before the response ends (it cancels the generation). */
export function abortWhenClientLeaves(res: Response): AbortSignal {
  const abort = new AbortController();
  // 'close' on the response fires when the connection ends; before the end, that is the client leaving.
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort.signal;
}
