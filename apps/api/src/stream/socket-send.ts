import type { StreamServerMessage } from '@chunkserve/contracts';
import type { WebSocket } from 'ws';

/** Above this many buffered bytes a socket's generations wait for it to drain. */
const HIGH_WATER_BYTES = 256 * 1024;

/** Sends a message if the socket is open; `callback` runs when it is written (at once when it is not). */
export function send(socket: WebSocket, message: StreamServerMessage, callback?: (err?: Error) => void): void {
  if (socket.readyState !== socket.OPEN) {
    callback?.();
    return;
  }
  socket.send(JSON.stringify(message), callback);
}

/** Sends, then waits for the socket's buffer to drain when it is above the high-water mark. */
export function sendWithBackpressure(socket: WebSocket, message: StreamServerMessage): Promise<void> {
  return new Promise((resolve) => {
    const full = socket.bufferedAmount > HIGH_WATER_BYTES;
    send(socket, message, () => full && resolve());
    if (!full) resolve();
  });
}
