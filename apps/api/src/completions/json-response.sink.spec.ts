import { FakeResponse } from '../../test/fake-response';
import { JsonResponseSink } from './json-response.sink';
import { GenerationResult } from './openai-format';

describe('JsonResponseSink', () => {
  const result = () => {
    const r = new GenerationResult(1, 3);
    r.add({ type: 'token', choice: 0, tokenId: 104, text: 'hi' });
    return r;
  };

  it('answers with the body of the whole result', () => {
    const client = new FakeResponse();
    new JsonResponseSink(client.res, (r) => ({ text: r.choices[0].text })).onDone(result());
    expect(client.statusCode).toBe(200);
    expect(client.json).toHaveBeenCalledWith({ text: 'hi' });
  });

  it('answers nothing once the client has left, and its signal says so', () => {
    const client = new FakeResponse();
    const sink = new JsonResponseSink(client.res, () => ({}));
    expect(sink.signal.aborted).toBe(false);
    client.leave();
    expect(sink.signal.aborted).toBe(true);
    sink.onDone(result());
    expect(client.json).not.toHaveBeenCalled();
  });
});
