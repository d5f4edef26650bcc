import { validateAs } from '../common/validation';
import { CreatePromptDto, UpdatePromptDto } from '../prompts/prompt.dto';
import { CreateTenantDto } from '../tenants/tenant.dto';
import { ChatCompletionDto, CompletionDto, MAX_MESSAGES } from './completion.dto';

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const refused = (param: string) => expect.objectContaining({ status: 400, param });

describe('request bounds checked before any template is rendered', () => {
  it('top_p must be above 0 (the engine samples from (0, 1])', async () => {
    await expect(validateAs(ChatCompletionDto, { ...chat, top_p: 0 })).rejects.toEqual(refused('top_p'));
    await expect(validateAs(ChatCompletionDto, { ...chat, top_p: 1e-9 })).resolves.toMatchObject({ top_p: 1e-9 });
  });

  it('seed is an integer in [0, 2^53)', async () => {
    for (const seed of [-1, 2 ** 53, 2 ** 64, 1.5]) await expect(validateAs(ChatCompletionDto, { ...chat, seed })).rejects.toEqual(refused('seed'));
    await expect(validateAs(ChatCompletionDto, { ...chat, seed: 2 ** 53 - 1 })).resolves.toMatchObject({ seed: 2 ** 53 - 1 });
  });

  it('a text completion needs a non-empty prompt', async () => {
    await expect(validateAs(CompletionDto, { model: 'm', prompt: '' })).rejects.toEqual(refused('prompt'));
  });

  it('caps the messages, their parts and the stop strings', async () => {
    const many = Array.from({ length: MAX_MESSAGES + 1 }, () => ({ role: 'user', content: 'x' }));
    await expect(validateAs(ChatCompletionDto, { ...chat, messages: many })).rejects.toEqual(refused('messages'));
    const parts = Array.from({ length: 65 }, () => ({ type: 'text', text: 'x' }));
    await expect(validateAs(ChatCompletionDto, { ...chat, messages: [{ role: 'user', content: parts }] })).rejects.toEqual(refused('messages[0].content'));
    await expect(validateAs(ChatCompletionDto, { ...chat, stop: 'x'.repeat(257) })).rejects.toEqual(refused('stop'));
    await expect(validateAs(ChatCompletionDto, { ...chat, stop: ['a', 'b', 'c', 'd', 'e'] })).rejects.toEqual(refused('stop'));
  });

  it('refuses a field nested 5,000 deep without overflowing the stack', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = [deep];
    await expect(validateAs(ChatCompletionDto, { ...chat, stop: deep })).rejects.toEqual(expect.objectContaining({ status: 400, message: expect.stringMatching(/nests deeper than/) }));
  });

  it('refuses a 30,000-message body at once', async () => {
    const started = performance.now();
    const messages = Array.from({ length: 30_000 }, () => ({ role: 'user', content: 'x' }));
    await expect(validateAs(ChatCompletionDto, { ...chat, messages })).rejects.toEqual(refused('messages'));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('text stored in Postgres must not contain NUL', async () => {
    await expect(validateAs(CreatePromptDto, { name: 'p', content: 'a\u0000b' })).rejects.toEqual(refused('content'));
    await expect(validateAs(UpdatePromptDto, { content: '\u0000' })).rejects.toEqual(refused('content'));
    await expect(validateAs(CreateTenantDto, { name: 'acme\u0000' })).rejects.toEqual(refused('name'));
  });
});
