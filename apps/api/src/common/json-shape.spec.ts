import { jsonShapeProblem } from './json-shape';

const nested = (depth: number) => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('jsonShapeProblem', () => {
  it('accepts ordinary bodies', () => {
    expect(jsonShapeProblem({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })).toBeNull();
    expect(jsonShapeProblem(null)).toBeNull();
    expect(jsonShapeProblem('text')).toBeNull();
  });

  it('names the first field that nests too deep, without recursing (5,000 levels)', () => {
    expect(jsonShapeProblem({ stop: nested(5000) })).toEqual({ param: 'stop.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a', message: 'stop.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nests deeper than 16 levels' });
    expect(jsonShapeProblem(nested(16))).toBeNull();
    expect(jsonShapeProblem(nested(17))).not.toBeNull();
  });

  it('refuses an array longer than the limit', () => {
    expect(jsonShapeProblem({ messages: new Array(5).fill({}) }, 16, 4)).toEqual({ param: 'messages', message: 'messages: has more than 4 items' });
  });
});
