// The overview's live feed: the browser opens an EventSource here (same origin, session cookie);
// this server opens the API's /admin/stats/live WebSocket with the session id and relays each
// pushed message (engine samples, usage buckets) as a server-sent event, until either side closes.
import WebSocket from 'ws';

import { API_URL } from '../../lib/api';
import { sessionId } from '../../lib/session';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const session = await sessionId();
  if (!session) return new Response('Not logged in.', { status: 401 });
  const query = new URL(request.url).searchParams;
  const target = new URL('/admin/stats/live', API_URL.replace(/^http/, 'ws'));
  for (const name of ['tenant', 'bucket']) {
    const value = query.get(name);
    if (value) target.searchParams.set(name, value);
  }
  const socket = new WebSocket(target, { headers: { authorization: `Bearer ${session}` } });
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          socket.close();
        }
      };
      socket.on('message', (data) => send(`data: ${String(data)}\n\n`));
      socket.on('close', (code) => {
        send(`event: end\ndata: ${code}\n\n`);
        try {
          controller.close();
        } catch {
          // already closed by the browser
        }
      });
      socket.on('error', () => socket.close());
      request.signal.addEventListener('abort', () => socket.close());
    },
    cancel() {
      socket.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' } });
}
