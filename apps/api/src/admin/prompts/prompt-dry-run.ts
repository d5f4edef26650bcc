// What registering a draft would do to the cache: its chunks, which of the current version's full
// chunks it keeps (a chunk is reused only when every token before its end is unchanged), where the
// first change falls, and text that looks like it changes per request. Pure.
import type { PromptDryRun } from '@chunkserve/contracts';

import { findDynamicText } from './dynamic-text';

export interface DryRunInput {
  content: string;
  /** The draft's system turn, tokenized as it would be pinned. */
  tokens: number[];
  /** The current version's, or null for a new prompt. */
  currentTokens: number[] | null;
  chunkSize: number;
  decode: (tokens: number[]) => string;
}

export function dryRun({ content, tokens, currentTokens, chunkSize, decode }: DryRunInput): PromptDryRun {
  const pieces: string[] = [];
  for (let start = 0; start < tokens.length; start += chunkSize) pieces.push(decode(tokens.slice(start, start + chunkSize)));
  // Where the content starts in the rendered turn (after the template's header), to map offsets.
  const rendered = pieces.join('');
  const contentStart = Math.max(0, rendered.indexOf(content));
  const ends: number[] = [];
  pieces.reduce((end, piece) => (ends.push(end + piece.length), end + piece.length), 0);
  const chunkOf = (offset: number) => {
    const at = ends.findIndex((end) => contentStart + offset < end);
    return at === -1 ? Math.max(0, pieces.length - 1) : at;
  };

  const common = currentTokens === null ? 0 : commonPrefix(tokens, currentTokens);
  const identical = currentTokens !== null && common === tokens.length && common === currentTokens.length;
  const currentFull = currentTokens === null ? 0 : Math.floor(currentTokens.length / chunkSize);
  const reusedChunks = Math.min(Math.floor(common / chunkSize), currentFull);
  const firstChangedToken = currentTokens === null || identical ? null : common;
  const firstChangedOffset = firstChangedToken === null ? null : Math.max(0, decode(tokens.slice(0, firstChangedToken)).length - contentStart);

  return {
    chunkSize,
    tokens: tokens.length,
    chunks: pieces.map((text, index) => ({
      index,
      tokens: Math.min(chunkSize, tokens.length - index * chunkSize),
      text,
      reused: index < reusedChunks,
    })),
    currentChunks: currentTokens === null ? 0 : Math.ceil(currentTokens.length / chunkSize),
    reusedChunks,
    firstChangedToken,
    firstChangedChunk: firstChangedToken === null ? null : Math.floor(firstChangedToken / chunkSize),
    firstChangedOffset,
    breaksReuse: currentTokens !== null && !identical && reusedChunks < currentFull,
    dynamicText: findDynamicText(content, chunkOf),
  };
}

function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
