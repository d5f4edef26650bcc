import { dryRun } from './prompt-dry-run';

// A byte-level stand-in for the model: a 3-character header, then the content, one token per character.
const HEADER = 'S: ';
const encode = (content: string) => Array.from(HEADER + content, (c) => c.charCodeAt(0));
const decode = (tokens: number[]) => String.fromCharCode(...tokens);
const run = (content: string, current: string | null) =>
  dryRun({ content, tokens: encode(content), currentTokens: current === null ? null : encode(current), chunkSize: 4, decode });

describe('dryRun', () => {
  it('splits a new prompt into chunks of the rendered turn, none reused', () => {
    const result = run('abcdefg', null);
    expect(result.chunks).toEqual([
      { index: 0, tokens: 4, text: 'S: a', reused: false },
      { index: 1, tokens: 4, text: 'bcde', reused: false },
      { index: 2, tokens: 2, text: 'fg', reused: false },
    ]);
    expect(result).toMatchObject({ tokens: 10, currentChunks: 0, reusedChunks: 0, firstChangedToken: null, breaksReuse: false });
  });

  it('keeps the full chunks before an edit and says where the edit lands', () => {
    // Current: "S: abcdefghijklm" = 16 tokens, 4 full chunks; the edit changes "g" (token 9, chunk 2).
    const result = run('abcdefXhijklm', 'abcdefghijklm');
    expect(result).toMatchObject({ currentChunks: 4, reusedChunks: 2, firstChangedToken: 9, firstChangedChunk: 2, firstChangedOffset: 6, breaksReuse: true });
    expect(result.chunks.map((c) => c.reused)).toEqual([true, true, false, false]);
  });

  it('appending keeps every full chunk: no broken reuse', () => {
    const result = run('abcdefghijklm and more', 'abcdefghijklm');
    expect(result).toMatchObject({ reusedChunks: 4, firstChangedToken: 16, breaksReuse: false });
  });

  it('an identical draft changes nothing', () => {
    expect(run('abcdefgh', 'abcdefgh')).toMatchObject({ reusedChunks: 2, firstChangedToken: null, firstChangedOffset: null, breaksReuse: false });
  });

  it('places dynamic text in its chunk of the rendered turn', () => {
    expect(run('ab 12:30 end', null).dynamicText).toEqual([{ kind: 'time', text: '12:30', offset: 3, chunk: 1 }]);
  });
});
