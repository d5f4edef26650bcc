// The last published batches, for subscribers that missed some (vLLM's buffer_steps).
export interface PublishedBatch {
  seq: bigint;
  payload: Buffer;
}

export class ReplayBuffer {
  private readonly batches: PublishedBatch[] = [];

  constructor(private readonly capacity: number) {}

  add(batch: PublishedBatch): void {
    this.batches.push(batch);
    if (this.batches.length > this.capacity) this.batches.shift();
  }

  /** The kept batches numbered `from` or later, oldest first. */
  since(from: bigint): PublishedBatch[] {
    return this.batches.filter((b) => b.seq >= from);
  }
}
