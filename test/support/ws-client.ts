// A WebSocket test client that records every message and can wait for one.
import WebSocket from 'ws';

export type Message = { type: string; id?: string; [k: string]: any };

export class WsClient {
  readonly messages: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => !(w.match(m) && (w.resolve(m), true)));
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    const ws = new WebSocket(url, { headers });
    const client = new WsClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  send(m: object): void {
    this.ws.send(JSON.stringify(m));
  }

  next(match: (m: Message) => boolean, timeoutMs = 60_000): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-3))}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** The close code; rejects, naming the last messages, if the socket is still open after timeoutMs. */
  closedWithin(timeoutMs = 10_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms; last messages ${JSON.stringify(this.messages.slice(-3))}`)), timeoutMs);
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  text(id: string, choice = 0): string {
    return this.messages.filter((m) => m.type === 'delta' && m.id === id && m.choice === choice).map((m) => m.content).join('');
  }
}

