import type { WebSocket } from 'ws';

import type { GenerationSink } from '../completions/generation-runner';
import type { FinishReason, GenerationResult, TokenEvent } from '../completions/openai-format';
import { send, sendWithBackpressure } from './socket-send';

/** One generation on a /v1/stream socket: delta and finish events, then done with the usage. */
export class StreamSocketSink implements GenerationSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly id: string,
    /** Aborted by a cancel message or the socket closing. */
    readonly signal: AbortSignal,
  ) {}

  onToken(event: TokenEvent): Promise<void> {
    const { choice, text, tokenId, logprob } = event;
    return sendWithBackpressure(this.socket, { type: 'delta', id: this.id, choice, content: text, tokenId, logprob });
  }

  onFinish(choice: number, reason: FinishReason): Promise<void> {
    return sendWithBackpressure(this.socket, { type: 'finish', id: this.id, choice, finish_reason: reason });
  }

  onDone(result: GenerationResult): void {
    send(this.socket, { type: 'done', id: this.id, usage: result.usage() });
  }
}
