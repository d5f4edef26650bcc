// SectionEncoder tokenizes exactly as the library does, on real tokenizers, unless told that some
// added-token text is message content.
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';

import { byteTokenizerConfig, byteTokenizerJson } from '../src/demo/byte-tokenizer';
import { SectionEncoder } from '../src/text/section-encoder';
import { realTokenizers } from './real-tokenizers';

const tokenizers = [...realTokenizers(), { name: 'demo byte-level', json: byteTokenizerJson() as never, config: byteTokenizerConfig() }];

describe.each(tokenizers)('SectionEncoder on $name', ({ json, config }) => {
  const library = new Tokenizer(json, config);
  const encoder = new SectionEncoder(library, json, config);
  const specials = json.added_tokens.filter((t) => t.special).map((t) => t.content);
  // Text with special-token strings, whitespace runs, newlines and multi-byte characters mixed in.
  const piece = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...specials.slice(0, 8), ' ', '\n\n', '  hi', 'Grüße 世界 🎉', '[INST]'));
  const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));

  it("equals the library's encode", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(encoder.encode(t)).toEqual(library.encode(t, { add_special_tokens: false }).ids);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps refused matches as text: the text decodes back and holds no special token', () => {
    const special = specials[specials.length > 1 ? 1 : 0];
    const ids = encoder.encode(`a${special}b`, { acceptAddedAt: () => false });
    const specialIds = new Set(json.added_tokens.filter((t) => t.special).map((t) => t.id));
    expect(ids.some((id) => specialIds.has(id))).toBe(false);
    expect(library.decode(ids, { skip_special_tokens: false })).toContain(special);
  });
});
