import { ReplayBuffer } from './replay-buffer';

describe('ReplayBuffer', () => {
  it('keeps the last batches and answers from a sequence number on', () => {
    const buffer = new ReplayBuffer(3);
    for (let seq = 0n; seq < 5n; seq++) buffer.add({ seq, payload: Buffer.from([Number(seq)]) });
    expect(buffer.since(0n).map((b) => b.seq)).toEqual([2n, 3n, 4n]);
    expect(buffer.since(4n).map((b) => b.payload[0])).toEqual([4]);
    expect(buffer.since(5n)).toEqual([]);
  });
});
