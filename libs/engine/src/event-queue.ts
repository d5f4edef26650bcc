// A push-to-pull queue: the addon's callback pushes, an async iterator pulls. With a high-water
// mark it tells its producer to pause when more than that many items wait unread, and to resume
// once the reader has drained it to half: so a consumer that falls behind bounds the memory.
export interface Backpressure {
  highWater: number;
  onPause(): void;
  onResume(): void;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | null = null;
  private ended = false;
  private error: Error | null = null;
  private paused = false;

  constructor(
    private readonly onReturn: () => void = () => {},
    private readonly backpressure?: Backpressure,
  ) {}

  /** Items waiting to be read. */
  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.backpressure && !this.paused && this.items.length > this.backpressure.highWater) {
      this.paused = true;
      this.backpressure.onPause();
    }
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (error) this.error = error;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      if (error && this.items.length === 0) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      if (this.paused && this.items.length <= this.backpressure!.highWater / 2) {
        this.paused = false;
        if (!this.ended) this.backpressure!.onResume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      if (this.error) {
        const e = this.error;
        this.error = null;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) this.onReturn();
    this.ended = true;
    this.items.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
