import { FakeResponse } from '../../test/fake-response';
import { automock } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import type { ChatCompletionDto, CompletionDto } from './completion.dto';
import { CompletionController } from './completion.controller';
import { CompletionService, type PreparedGeneration } from './completion.service';
import { GenerationRunner } from './generation-runner';
import { JsonResponseSink } from './json-response.sink';
import { SseResponseSink } from './sse-response.sink';

describe('CompletionController', () => {
  const tenant = { id: 't1', keyId: 'k1' };
  const prepared = { n: 1, meta: { id: 'chatcmpl-1', created: 0, model: 'm' } } as PreparedGeneration;
  const completions = automock(CompletionService);
  const runner = automock(GenerationRunner);
  const engine = automock(EngineService, { model: { id: 'chunkserve-demo-random-llama' } as EngineService['model'] });
  const controller = new CompletionController(completions, runner, engine);

  beforeEach(() => {
    completions.prepareChat.mockResolvedValue(prepared);
    completions.prepareText.mockResolvedValue(prepared);
  });

  it('prepares a chat request for the tenant and runs it into one JSON body', async () => {
    const dto = { model: 'm', messages: [] } as unknown as ChatCompletionDto;
    await controller.chat(tenant, dto, new FakeResponse().res);
    expect(completions.prepareChat).toHaveBeenCalledWith('t1', dto, 'chat.completions');
    expect(runner.run).toHaveBeenCalledWith(prepared, expect.any(JsonResponseSink));
  });

  it('streams as server-sent events when asked to', async () => {
    const dto = { model: 'm', prompt: 'once', stream: true } as unknown as CompletionDto;
    await controller.text(tenant, dto, new FakeResponse().res);
    expect(completions.prepareText).toHaveBeenCalledWith('t1', dto);
    expect(runner.run).toHaveBeenCalledWith(prepared, expect.any(SseResponseSink));
  });

  it('lists the served model', () => {
    expect(controller.models()).toEqual({ object: 'list', data: [{ id: 'chunkserve-demo-random-llama', object: 'model', created: 0, owned_by: 'chunkserve' }] });
  });
});
