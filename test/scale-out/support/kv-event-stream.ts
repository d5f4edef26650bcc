// A subscriber of ChunkServe's KV events as llm-d's is: a ZeroMQ SUB socket on the PUB endpoint,
// three frames a message (topic, 8-byte big-endian sequence number, msgpack batch), and a DEALER on
// the replay endpoint for what it missed. zeromq is loaded through Node's own require, as the API is.
import { decode } from '@msgpack/msgpack';

declare const nativeRequire: NodeRequire;
const zmq: typeof import('zeromq') = nativeRequire('zeromq');

export interface KvMessage {
  topic: string;
  seq: bigint;
  payload: Buffer;
  ts: number;
  events: unknown[][];
  rank: number;
}

export function decodeMessage(frames: Buffer[]): KvMessage {
  if (frames.length !== 3 || frames[1].length !== 8) throw new Error(`malformed message of ${frames.length} frames`);
  const batch = decode(frames[2], { useBigInt64: true }) as [number, unknown[][], number];
  if (!Array.isArray(batch) || batch.length !== 3) throw new Error(`batch is not [ts, events, rank]: ${JSON.stringify(batch)}`);
  return { topic: frames[0].toString('utf8'), seq: frames[1].readBigUInt64BE(), payload: frames[2], ts: batch[0], events: batch[1], rank: batch[2] };
}

export class KvEventStream {
  readonly messages: KvMessage[] = [];
  private readonly socket = new zmq.Subscriber();
  private readonly done: Promise<void>;

  constructor(endpoint: string) {
    this.socket.connect(endpoint);
    this.socket.subscribe('kv@');
    this.done = (async () => {
      try {
        for await (const frames of this.socket) this.messages.push(decodeMessage(frames as Buffer[]));
      } catch (err) {
        if (!this.socket.closed) throw err;
      }
    })();
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}

/** Every batch the publisher still keeps from `from` on, as llm-d's subscriber asks for them. */
export async function replay(endpoint: string, from: bigint): Promise<{ messages: KvMessage[]; end: Buffer[] }> {
  const dealer = new zmq.Dealer({ receiveTimeout: 5000 });
  dealer.connect(endpoint);
  try {
    const start = Buffer.alloc(8);
    start.writeBigUInt64BE(from);
    await dealer.send([Buffer.alloc(0), start]);
    const messages: KvMessage[] = [];
    for (;;) {
      const frames = (await dealer.receive()) as Buffer[];
      const [empty, ...rest] = frames;
      if (empty.length !== 0) throw new Error('replay answer without the empty delimiter');
      if (rest.length === 3 && rest[2].length === 0) return { messages, end: rest };
      messages.push(decodeMessage(rest));
    }
  } finally {
    dealer.close();
  }
}
