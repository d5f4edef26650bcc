import { Logger } from '@nestjs/common';
import { LlmEngine } from '@chunkserve/engine';

import { configOf } from '../../test/automock';
import { EngineService } from './engine.service';

const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));

describe('EngineService', () => {
  let engine: { prewarm: jest.Mock; unpin: jest.Mock; snapshot: jest.Mock; encodeChat: jest.Mock; model: object; backend: object };
  let service: EngineService;

  beforeEach(async () => {
    engine = { prewarm: jest.fn(), unpin: jest.fn(), snapshot: jest.fn(), encodeChat: jest.fn(), model: { id: 'm' }, backend: { backend: 'cpu', simd: 'avx2' } };
    jest.spyOn(LlmEngine, 'load').mockResolvedValue(engine as never);
    service = new EngineService(configOf({ CHUNK_SIZE: 16 }));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await service.onModuleInit();
  });

  it('awaits the engine when it answers unpin and snapshot with promises', async () => {
    let unpinned = false;
    engine.unpin.mockImplementation(() => later(undefined).then(() => (unpinned = true)));
    await service.unpin('t1', [1, 2]);
    expect(unpinned).toBe(true);
    expect(engine.unpin).toHaveBeenCalledWith('tenant:t1', [1, 2]);

    engine.snapshot.mockReturnValue(later({ chunks: [] }));
    await expect(service.snapshot('t1')).resolves.toEqual({ chunks: [] });
    expect(engine.snapshot).toHaveBeenCalledWith('tenant:t1');
  });

  it("pre-warms in the tenant's namespace and passes on the engine's resident-token count", async () => {
    engine.prewarm.mockResolvedValue({ tokens: 40, cachedTokens: 0, residentTokens: 40, chunks: 3, chunkIds: [7, 8, 9] });
    await expect(service.prewarm('t1', new Array(40).fill(1))).resolves.toMatchObject({ chunks: 3, residentTokens: 40 });
    expect(engine.prewarm).toHaveBeenCalledWith('tenant:t1', expect.any(Array));
  });

  it("answers the chat template's refusal with a 400 naming the messages, and lets other errors through", () => {
    engine.encodeChat.mockImplementation(() => {
      throw Object.assign(new Error('Conversation roles must alternate'), { code: 'ERR_CHAT_TEMPLATE' });
    });
    expect(() => service.encodeChat([{ role: 'user', content: 'a' }])).toThrow(expect.objectContaining({ status: 400, code: 'invalid_chat_template_input', param: 'messages' }));
    engine.encodeChat.mockImplementation(() => {
      throw new Error('boom');
    });
    expect(() => service.encodeChat([])).toThrow('boom');
  });

  it('maps engine error codes: a prompt that can never fit is a 400, a full pool a 503', async () => {
    engine.prewarm.mockRejectedValue(Object.assign(new Error('too large'), { code: 'ERR_PROMPT_TOO_LARGE' }));
    await expect(service.prewarm('t1', [1])).rejects.toMatchObject({ status: 400, code: 'prompt_too_large' });
    engine.prewarm.mockRejectedValue(Object.assign(new Error('full'), { code: 'ERR_CACHE_FULL' }));
    await expect(service.prewarm('t1', [1])).rejects.toMatchObject({ name: 'EngineCapacityError' });
  });
});

