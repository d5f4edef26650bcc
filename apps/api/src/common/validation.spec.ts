import { ChatCompletionDto } from '../completions/completion.dto';
import { CreatePromptDto } from '../prompts/prompt.dto';
import { OpenAiError } from './openai-error';
import { validateAs } from './validation';

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('validateAs (the global pipe, for WebSocket messages)', () => {
  it('returns an instance of the DTO with nested DTOs built', async () => {
    const dto = await validateAs(ChatCompletionDto, { ...chat, stream_options: { include_usage: true } });
    expect(dto).toBeInstanceOf(ChatCompletionDto);
    expect(dto.messages[0].constructor.name).toBe('ChatMessageDto');
    expect(dto.stream_options?.include_usage).toBe(true);
  });

  it("rejects with a 400 OpenAiError naming every bad field, the first as OpenAI's param", async () => {
    const refusal = validateAs(ChatCompletionDto, { ...chat, messages: [{ role: 'nobody', content: 3 }], temperature: 9 });
    await expect(refusal).rejects.toBeInstanceOf(OpenAiError);
    await expect(refusal).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'messages[0].role',
      message:
        'messages[0].role: must be one of the following values: system, developer, user, assistant, tool; ' +
        'messages[0].content: must be a string or an array of {"type": "text", "text": string} parts; temperature: must not be greater than 2',
    });
  });

  it('rejects unknown properties, naming them', async () => {
    await expect(validateAs(CreatePromptDto, { name: 'ok', content: 'x', namespace: 'tenant:other' })).rejects.toMatchObject({
      param: 'namespace',
      message: 'namespace: property namespace should not exist',
    });
  });

  it('validates a missing or non-object value as an empty body, like the HTTP pipe', async () => {
    for (const value of [undefined, null, 'text']) {
      await expect(validateAs(CreatePromptDto, value)).rejects.toMatchObject({ param: 'name', message: expect.stringContaining('content: must be a string') });
    }
  });
});
