import { EventEmitter } from 'events';

import { ChannelListener, type ListenClient } from './channel-listener';

/** Stands in for a `pg` Client: connects or refuses as told, records its queries, emits like pg. */
class FakeClient extends EventEmitter implements ListenClient {
  readonly queries: string[] = [];
  ended = false;

  constructor(private readonly refuse: Error | null) {
    super();
  }

  async connect(): Promise<void> {
    if (this.refuse) throw this.refuse;
  }

  async query(sql: string): Promise<void> {
    this.queries.push(sql);
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.emit('end');
  }

  /** The server ended the session (a restart, pg_terminate_backend). */
  drop(): void {
    this.emit('error', new Error('terminating connection due to administrator command'));
    this.emit('end');
  }

  notify(channel: string, payload: string): void {
    this.emit('notification', { channel, payload });
  }
}

describe('ChannelListener', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(refusals: (Error | null)[] = []) {
    const clients: FakeClient[] = [];
    const events: string[] = [];
    const delays: number[] = [];
    const listener = new ChannelListener({
      channel: 'chunkserve_prompts',
      newClient: () => {
        const client = new FakeClient(refusals.shift() ?? null);
        clients.push(client);
        return client;
      },
      onNotification: (payload) => events.push(`notify ${payload}`),
      onListening: (reconnected) => events.push(reconnected ? 'listening again' : 'listening'),
      onDisconnect: (err, ms) => {
        events.push(`lost: ${err.message}`);
        delays.push(ms);
      },
      initialDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 1,
    });
    return { listener, clients, events, delays };
  }

  it('listens on its channel (quoted) and hands over only its own notifications', async () => {
    const { listener, clients, events } = setup();
    await listener.start();
    expect(listener.listening).toBe(true);
    expect(clients[0].queries).toEqual(['LISTEN "chunkserve_prompts"']);
    clients[0].notify('chunkserve_prompts', '{"op":"insert"}');
    clients[0].notify('other', 'x');
    expect(events).toEqual(['listening', 'notify {"op":"insert"}']);
  });

  it('reconnects after a lost connection, says it listens again (to catch up), and drops the old client', async () => {
    const { listener, clients, events, delays } = setup();
    await listener.start();
    clients[0].drop();
    expect(listener.listening).toBe(false);
    expect(clients[0].ended).toBe(true);
    expect(delays).toEqual([100]);
    await jest.advanceTimersByTimeAsync(100);
    expect(clients).toHaveLength(2);
    expect(listener.listening).toBe(true);
    expect(events).toEqual(['listening', 'lost: terminating connection due to administrator command', 'listening again']);
    // A late event of the lost client changes nothing.
    clients[0].notify('chunkserve_prompts', 'stale');
    clients[1].notify('chunkserve_prompts', 'fresh');
    expect(events.slice(3)).toEqual(['notify fresh']);
  });

  it('backs off exponentially up to the cap while the database refuses, and starts over after a success', async () => {
    const down = new Error('connect ECONNREFUSED');
    const { listener, clients, events, delays } = setup([down, down, down, down, down, null, null]);
    await listener.start();
    expect(listener.listening).toBe(false);
    for (const step of [100, 200, 400, 800, 1000]) await jest.advanceTimersByTimeAsync(step);
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
    expect(listener.listening).toBe(true);
    expect(events.filter((e) => e.startsWith('listening'))).toEqual(['listening']);
    clients[clients.length - 1].drop();
    expect(delays[delays.length - 1]).toBe(100);
  });

  it('draws each delay from the upper half of its ceiling', async () => {
    const delays: number[] = [];
    const listener = new ChannelListener({
      channel: 'c',
      newClient: () => new FakeClient(new Error('down')),
      onNotification: () => undefined,
      onListening: () => undefined,
      onDisconnect: (_err, ms) => delays.push(ms),
      initialDelayMs: 1000,
      random: () => 0,
    });
    await listener.start();
    expect(delays).toEqual([500]);
    await listener.close();
  });

  it('stops for good on close: no reconnection, no listening', async () => {
    const { listener, clients, delays } = setup();
    await listener.start();
    await listener.close();
    expect(clients[0].ended).toBe(true);
    expect(listener.listening).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(clients).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('closing while a retry is pending cancels it', async () => {
    const { listener, clients } = setup([new Error('down')]);
    await listener.start();
    await listener.close();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(clients).toHaveLength(1);
  });
});
