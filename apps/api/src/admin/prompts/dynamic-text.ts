// Text that probably changes per request (dates, times, ids, long numbers, template placeholders,
// names introduced as such). Inside a registered prompt it breaks prefix sharing: every request
// with another value starts a new branch from the chunk it sits in. Pure; heuristic by nature.
import type { DynamicTextWarning } from '@chunkserve/contracts';

const PATTERNS: [DynamicTextWarning['kind'], RegExp][] = [
  ['placeholder', /\{\{\s*[\w.-]+\s*\}\}|\$\{[\w.-]+\}|\{[A-Za-z_][\w.-]*\}|<[A-Z][A-Z_]{2,}>/g],
  ['date', /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b/gi],
  ['time', /\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[AaPp][Mm])?\b/g],
  ['id', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{12,}\b/gi],
  ['number', /\b\d{6,}\b/g],
  ['name', /\b(?:user|customer|client|caller)(?:'s)? name is [A-Z][a-z]+(?: [A-Z][a-z]+)?|\b(?:Dear|Hello|Hi) [A-Z][a-z]+\b/g],
];

/** Every match, earliest first; overlapping matches keep the first pattern's. */
export function findDynamicText(content: string, chunkOf: (offset: number) => number): DynamicTextWarning[] {
  const found: DynamicTextWarning[] = [];
  const taken: [number, number][] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const m of content.matchAll(pattern)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      taken.push([start, end]);
      found.push({ kind, text: m[0], offset: start, chunk: chunkOf(start) });
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}
