import type { Response } from 'express';

import { abortWhenClientLeaves } from './client-abort';
import type { GenerationSink } from './generation-runner';
import type { GenerationResult } from './openai-format';

/** A non-streamed response: one JSON body when the generation is done (nothing when the client left). */
export class JsonResponseSink implements GenerationSink {
  readonly signal: AbortSignal;

  constructor(
    private readonly res: Response,
    private readonly body: (result: GenerationResult) => unknown,
  ) {
    this.signal = abortWhenClientLeaves(res);
  }

  onToken(): void {}

  onFinish(): void {}

  onDone(result: GenerationResult): void {
    if (!this.signal.aborted) this.res.status(200).json(this.body(result));
  }
}
