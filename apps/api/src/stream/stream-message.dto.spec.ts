import { validateAs } from '../common/validation';
import { AuthMessageDto, GenerationMessageDto } from './stream-message.dto';

describe('stream messages', () => {
  it('accepts an auth message with a string key, and nothing else', async () => {
    await expect(validateAs(AuthMessageDto, { type: 'auth', api_key: 'cs_live_x' })).resolves.toMatchObject({ api_key: 'cs_live_x' });
    await expect(validateAs(AuthMessageDto, { type: 'generate', api_key: 'cs_live_x' })).rejects.toMatchObject({ param: 'type' });
    await expect(validateAs(AuthMessageDto, { type: 'auth', api_key: 5 })).rejects.toMatchObject({ param: 'api_key' });
  });

  it('accepts generate with an id and a request object, and cancel with an id', async () => {
    const generate = await validateAs(GenerationMessageDto, { type: 'generate', id: 'a', request: { model: 'm' } });
    expect(generate).toMatchObject({ type: 'generate', id: 'a', request: { model: 'm' } });
    await expect(validateAs(GenerationMessageDto, { type: 'cancel', id: 'a' })).resolves.toMatchObject({ type: 'cancel', id: 'a' });
  });

  it("reports a bad envelope in the HTTP bodies' words", async () => {
    await expect(validateAs(GenerationMessageDto, { type: 'generate', request: {} })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_value',
      param: 'id',
      message: 'id: must be longer than or equal to 1 characters; id: must be a string',
    });
    await expect(validateAs(GenerationMessageDto, { type: 'generate', id: 'x'.repeat(129), request: {} })).rejects.toMatchObject({ param: 'id' });
    await expect(validateAs(GenerationMessageDto, { type: 'generate', id: 'a' })).rejects.toMatchObject({ param: 'request', message: 'request: must be an object' });
    await expect(validateAs(GenerationMessageDto, { type: 'stop', id: 'a' })).rejects.toMatchObject({
      param: 'type',
      message: 'type: must be one of the following values: generate, cancel',
    });
    await expect(validateAs(GenerationMessageDto, { type: 'cancel', id: 'a', extra: 1 })).rejects.toMatchObject({ param: 'extra' });
  });
});
