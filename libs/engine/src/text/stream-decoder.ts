// Turns a choice's token stream into text deltas: incremental detokenization that never emits
// half of a UTF-8 character, and stop strings that are cut out of the text (text that could be
// the start of a stop string is held back until it is known not to be).
import { TextTokenizer } from './text-tokenizer';

// Why two bounds: the decode window is what makes each push cost O(window), so it must stay
// short even when tokens add no text (special tokens, skipped) or never complete a character
// (a random model emitting stray UTF-8 continuation bytes); otherwise a stream is quadratic.
/** Tokens of left context kept for the next decode (leading-space rules of SentencePiece). */
const CONTEXT_TOKENS = 8;
/** Tokens held back waiting for a character to complete; a UTF-8 character is at most 4 bytes. */
const MAX_HELD_TOKENS = 16;

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
    const held = this.tokens.length - this.readOffset;
    if (fullText.endsWith('\uFFFD') && held < MAX_HELD_TOKENS) return ''; // a character may still complete
    if (fullText.length <= prefixText.length) {
      // The new tokens add no text: consume them, keeping a bounded left context.
      this.readOffset = this.tokens.length;
      this.prefixOffset = Math.max(this.prefixOffset, this.readOffset - CONTEXT_TOKENS);
      return '';
    }
    const delta = fullText.slice(prefixText.length);
    if (fullText.endsWith('\uFFFD')) {
      // Bytes that never made a character: emitted as U+FFFD, and no context kept past them.
      this.prefixOffset = this.readOffset = this.tokens.length;
    } else {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.tokens.length;
    }
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
