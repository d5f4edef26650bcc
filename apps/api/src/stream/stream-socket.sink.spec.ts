import type { WebSocket } from 'ws';

import { GenerationResult } from '../completions/openai-format';
import { StreamSocketSink } from './stream-socket.sink';

describe('StreamSocketSink', () => {
  const socketOf = (bufferedAmount = 0) => {
    const sent: unknown[] = [];
    const callbacks: (() => void)[] = [];
    const socket = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount,
      send: (text: string, callback?: () => void) => {
        sent.push(JSON.parse(text));
        if (callback) callbacks.push(callback);
      },
    };
    return { socket: socket as unknown as WebSocket, sent, written: () => callbacks.forEach((c) => c()) };
  };

  it('sends delta, finish and done events named by the generation id', async () => {
    const { socket, sent } = socketOf();
    const sink = new StreamSocketSink(socket, 'g1', new AbortController().signal);
    await sink.onToken({ type: 'token', choice: 0, tokenId: 5, text: 'hi', logprob: -0.5 });
    await sink.onFinish(0, 'cancelled');
    sink.onDone(new GenerationResult(1, 3));
    expect(sent).toEqual([
      { type: 'delta', id: 'g1', choice: 0, content: 'hi', tokenId: 5, logprob: -0.5 },
      { type: 'finish', id: 'g1', choice: 0, finish_reason: 'cancelled' },
      { type: 'done', id: 'g1', usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } } },
    ]);
  });

  it('waits for a full socket buffer to drain before the next event', async () => {
    const { socket, written } = socketOf(1 << 20);
    let delivered = false;
    const sending = new StreamSocketSink(socket, 'g1', new AbortController().signal).onToken({ type: 'token', choice: 0, tokenId: 5, text: 'hi' }).then(() => (delivered = true));
    await Promise.resolve();
    expect(delivered).toBe(false);
    written();
    await sending;
    expect(delivered).toBe(true);
  });
});
