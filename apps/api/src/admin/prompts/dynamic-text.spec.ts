import { findDynamicText } from './dynamic-text';

describe('findDynamicText', () => {
  const kinds = (text: string) => findDynamicText(text, () => 0).map((w) => [w.kind, w.text]);

  it('finds dates, times, ids, long numbers, placeholders and introduced names', () => {
    expect(kinds('Today is 2026-01-31 and it is 14:05. Order 123456789 for {{customer}}; session 550e8400-e29b-41d4-a716-446655440000.')).toEqual([
      ['date', '2026-01-31'],
      ['time', '14:05'],
      ['number', '123456789'],
      ['placeholder', '{{customer}}'],
      ['id', '550e8400-e29b-41d4-a716-446655440000'],
    ]);
    expect(kinds("The customer's name is Ada Lovelace. Dear Bob, on March 3, 2026 at 9:30 pm")).toEqual([
      ['name', "customer's name is Ada Lovelace"],
      ['name', 'Dear Bob'],
      ['date', 'March 3, 2026'],
      ['time', '9:30 pm'],
    ]);
  });

  it('stays quiet on ordinary prompt text', () => {
    expect(kinds('You are the support assistant of ACME. Rule 1: answer politely, in 3 sentences at most.')).toEqual([]);
  });

  it('names the chunk each one falls in', () => {
    const [w] = findDynamicText('abcdef 2026-01-31', (offset) => Math.floor(offset / 4));
    expect(w).toEqual({ kind: 'date', text: '2026-01-31', offset: 7, chunk: 1 });
  });
});
