import type { WebSocket } from 'ws';

import { toOpenAiError } from '../common/openai-exception.filter';

/** Refuses a socket: sends why (the 401's OpenAI error body) and closes it with 4401. */
export function closeUnauthorized(socket: WebSocket, err: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', error: toOpenAiError(err).body.error }));
  socket.close(4401, 'unauthorized');
  // A socket paused until authenticated must read again to see the client's close frame (else the
  // closing handshake waits 30 s for it).
  if (socket.isPaused) socket.resume();
}
