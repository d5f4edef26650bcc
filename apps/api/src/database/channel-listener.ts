// A dedicated Postgres session that LISTENs on one channel and keeps listening. Postgres keeps
// notifications only for sessions listening when they commit, so one sent while the session was
// down is lost: after every (re)connection onListening is called, for the caller to catch up from
// the database. A lost connection is retried with capped exponential backoff, jittered so that
// replicas do not all reconnect at the same instant after a database restart.

/** The part of a `pg` Client this uses. */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export interface ChannelListenerOptions {
  channel: string;
  /** A new, unconnected client (one per connection attempt). */
  newClient(): ListenClient;
  onNotification(payload: string | undefined): void;
  /** The session listens: the first time (reconnected false) and after every reconnection. */
  onListening(reconnected: boolean): void;
  /** A failed or lost connection, and when the next attempt comes. */
  onDisconnect?(err: Error, retryInMs: number): void;
  /** First retry delay (doubled per failure up to maxDelayMs). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** For the jitter (tests pass a fixed one). */
  random?: () => number;
}

export class ChannelListener {
  private client?: ListenClient;
  private timer?: NodeJS.Timeout;
  /** Failed attempts since the last success: the backoff exponent. */
  private failures = 0;
  private connectedOnce = false;
  private closed = false;

  constructor(private readonly options: ChannelListenerOptions) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and listens; never rejects (a failure is retried in the background). */
  start(): Promise<void> {
    return this.connect();
  }

  /** Stops listening and reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = this.options.newClient();
    // Every failure, while connecting or later, takes this one path, once per client.
    let lost = false;
    const lose = (err: Error) => {
      if (lost) return;
      lost = true;
      this.lost(client, err);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the connection ended')));
    client.on('notification', (message) => {
      if (!lost && message.channel === this.options.channel) this.options.onNotification(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replace(/"/g, '""')}"`);
    } catch (err) {
      lose(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    const reconnected = this.connectedOnce;
    this.connectedOnce = true;
    this.options.onListening(reconnected);
  }

  private lost(client: ListenClient, err: Error): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    const delay = this.nextDelay();
    this.options.onDisconnect?.(err, delay);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  /** Doubles per failure up to the cap; each delay is drawn from its upper half. */
  private nextDelay(): number {
    const initial = this.options.initialDelayMs ?? 100;
    const max = this.options.maxDelayMs ?? 5000;
    const ceiling = Math.min(max, initial * 2 ** this.failures);
    this.failures += 1;
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }
}
