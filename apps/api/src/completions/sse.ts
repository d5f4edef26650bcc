// Server-sent events on a plain Express response (NestJS's @Sse is GET-only): `data: <json>` events
// ending with `data: [DONE]`, written with backpressure; a client that goes away aborts the work.
import type { Response } from 'express';

import { abortWhenClientLeaves } from './client-abort';

export class SseWriter {
  /** Aborted when the client disconnects before the stream ends. */
  readonly signal: AbortSignal;

  constructor(private readonly res: Response) {
    this.signal = abortWhenClientLeaves(res);
  }

  start(): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    this.res.setHeader('Connection', 'keep-alive');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
  }

  /** Writes one event; waits for the socket to drain when its buffer is full. */
  async send(data: unknown): Promise<void> {
    if (this.signal.aborted) return;
    if (!this.res.write(`data: ${JSON.stringify(data)}\n\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end('data: [DONE]\n\n');
  }
}
