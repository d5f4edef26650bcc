// Turns a choice's token stream into text deltas: incremental detokenization that never emits
// half of a UTF-8 character, and stop strings that are cut out of the text (text that could be
// the start of a stop string is held back until it is known not to be).
import { TextTokenizer } from './text-tokenizer';

export class StreamDecoder {
  private readonly tokens: number[] = [];
  private prefixOffset = 0; // tokens before this are already emitted and no longer decoded
  private readOffset = 0; // tokens before this produced the text emitted so far
  private pending = ''; // decoded text not yet emitted (could begin a stop string)
  stopped = false;

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly stops: string[],
  ) {}

  /** Adds a token; returns the text that may be emitted now ('' while held back). */
  push(token: number): string {
    if (this.stopped) return '';
    this.tokens.push(token);
    const prefixText = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
    const fullText = this.tokenizer.decode(this.tokens.slice(this.prefixOffset));
    if (fullText.length <= prefixText.length || fullText.endsWith('\uFFFD')) return '';
    const delta = fullText.slice(prefixText.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.tokens.length;
    return this.withStops(delta);
  }

  /** Whether text is held back because it could begin a stop string. */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  /** At the end of the stream: the text held back, and bytes of an unfinished character. */
  flush(): string {
    if (this.stopped) return '';
    let tail = '';
    if (this.readOffset < this.tokens.length) {
      const prefixText = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
      tail = this.tokenizer.decode(this.tokens.slice(this.prefixOffset)).slice(prefixText.length);
      this.readOffset = this.tokens.length;
    }
    const out = this.withStops(tail);
    if (this.stopped) return out;
    const rest = this.pending;
    this.pending = '';
    return out + rest;
  }

  private withStops(delta: string): string {
    if (this.stops.length === 0) return delta;
    const text = this.pending + delta;
    let cut = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.stopped = true;
      this.pending = '';
      return text.slice(0, cut);
    }
    // Hold back the longest suffix that is a proper prefix of some stop string.
    let hold = 0;
    for (const s of this.stops)
      for (let k = Math.min(s.length - 1, text.length); k > hold; k--)
        if (text.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
    this.pending = text.slice(text.length - hold);
    return text.slice(0, text.length - hold);
  }
}
