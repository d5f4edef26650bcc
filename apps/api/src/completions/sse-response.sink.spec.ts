import { FakeResponse } from '../../test/fake-response';
import { GenerationResult, type TokenEvent } from './openai-format';
import { SseResponseSink } from './sse-response.sink';

const meta = { id: 'chatcmpl-1', created: 1, model: 'm' };
const token: TokenEvent = { type: 'token', choice: 0, tokenId: 104, text: 'hi' };

describe('SseResponseSink', () => {
  it('streams the role, the chunks, the usage when asked for, then [DONE]', async () => {
    const client = new FakeResponse();
    const sink = new SseResponseSink(client.res, meta, 'chat', 1, true);
    const result = new GenerationResult(1, 3);
    result.add(token);
    await sink.onToken(token);
    await sink.onFinish(0, 'stop');
    await sink.onDone(result);

    expect(client.statusCode).toBe(200);
    expect(client.headers['Content-Type']).toBe('text/event-stream; charset=utf-8');
    expect(client.events().map((e) => (e === '[DONE]' ? e : (e.choices[0]?.delta ?? e.usage)))).toEqual([
      { role: 'assistant', content: '' },
      { content: 'hi' },
      {},
      { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } },
      '[DONE]',
    ]);
  });

  it('sends no status or header before the first event, so that an error before it keeps its HTTP status', () => {
    const client = new FakeResponse();
    new SseResponseSink(client.res, meta, 'chat', 1, false);
    expect(client.statusCode).toBe(0);
    expect(client.headers).toEqual({});
    expect(client.written).toEqual([]);
  });

  it('writes nothing more once the client has left', async () => {
    const client = new FakeResponse();
    const sink = new SseResponseSink(client.res, meta, 'text', 1, true);
    client.leave();
    expect(sink.signal.aborted).toBe(true);
    await sink.onToken(token);
    await sink.onFinish(0, 'cancelled');
    await sink.onDone(new GenerationResult(1, 3));
    expect(client.written).toEqual([]);
  });
});
