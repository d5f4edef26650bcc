import type { NextFunction, Request, Response } from 'express';

const CLIENT_GONE = Symbol('clientGone');

type Watched = Response & { [CLIENT_GONE]?: AbortSignal };

/**
 * Aborted when the client goes away before the response ends (it cancels the generation). One
 * signal per response: watchClient creates it when the request arrives, before any guard awaits a
 * database lookup, so a client that leaves during authentication or prompt lookup is seen too.
 */
export function abortWhenClientLeaves(res: Response): AbortSignal {
  const watched = res as Watched;
  if (watched[CLIENT_GONE]) return watched[CLIENT_GONE];
  const abort = new AbortController();
  watched[CLIENT_GONE] = abort.signal;
  // 'close' on the response fires when the connection ends; before the end, that is the client leaving.
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  if (res.socket?.destroyed) abort.abort();
  return abort.signal;
}

/** Express middleware: watches every request's client from its arrival. */
export function watchClient(_req: Request, res: Response, next: NextFunction): void {
  abortWhenClientLeaves(res);
  next();
}
