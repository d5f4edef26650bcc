// Property-based fuzzing of every request body and WebSocket message the API validates: whatever
// JSON arrives, validation either accepts it or refuses it with a 400 in OpenAI's shape; it never
// throws anything else (which would be a 5xx) and never takes long.
import type { Type } from '@nestjs/common';
import fc from 'fast-check';

import { ChatCompletionDto, CompletionDto } from '../completions/completion.dto';
import { CreatePromptDto, UpdatePromptDto } from '../prompts/prompt.dto';
import { AdminSeriesQueryDto, SeriesQueryDto, TenantFilterDto } from '../stats/stats.dto';
import { AuthMessageDto, GenerationMessageDto } from '../stream/stream-message.dto';
import { CreateTenantDto } from '../tenants/tenant.dto';
import { OpenAiError } from './openai-error';
import { validateAs } from './validation';

/** A JSON value of any shape, deep and wide ones included. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 64), 1e308, '', '\u0000', 'x'.repeat(300)),
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A valid body with some fields replaced by anything: close enough to reach the field checks. */
function nearly(valid: Record<string, unknown>, extraFields: string[] = []) {
  const fields = [...Object.keys(valid), ...extraFields, 'unknown_field'];
  return fc.dictionary(fc.constantFrom(...fields), json, { maxKeys: 4 }).map((changes) => ({ ...valid, ...changes }));
}

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const cases: [string, Type<object>, fc.Arbitrary<unknown>][] = [
  ['ChatCompletionDto', ChatCompletionDto, nearly(chat, ['n', 'temperature', 'top_p', 'max_tokens', 'stop', 'seed', 'logprobs', 'top_logprobs', 'stream_options', 'prompt_id'])],
  ['CompletionDto', CompletionDto, nearly({ model: 'm', prompt: 'once' }, ['n', 'logprobs', 'stop', 'seed', 'max_tokens', 'presence_penalty'])],
  ['CreatePromptDto', CreatePromptDto, nearly({ name: 'p', content: 'c' })],
  ['UpdatePromptDto', UpdatePromptDto, nearly({ content: 'c' })],
  ['CreateTenantDto', CreateTenantDto, nearly({ name: 'acme' })],
  ['SeriesQueryDto', SeriesQueryDto, nearly({ minutes: '5', bucket: '60' })],
  ['AdminSeriesQueryDto', AdminSeriesQueryDto, nearly({ minutes: '5', tenant: '00000000-0000-4000-8000-000000000000' })],
  ['TenantFilterDto', TenantFilterDto, nearly({ tenant: '00000000-0000-4000-8000-000000000000' })],
  ['AuthMessageDto', AuthMessageDto, nearly({ type: 'auth', api_key: 'k' })],
  ['GenerationMessageDto', GenerationMessageDto, nearly({ type: 'generate', id: 'a', request: chat })],
];

describe.each(cases)('%s under fuzzing', (_name, dto, nearlyValid) => {
  const check = async (body: unknown) => {
    const started = performance.now();
    const outcome = await validateAs(dto, body).then(
      () => null,
      (err: unknown) => err,
    );
    if (outcome !== null) {
      expect(outcome).toBeInstanceOf(OpenAiError);
      expect(outcome).toMatchObject({ status: 400, type: 'invalid_request_error' });
    }
    expect(performance.now() - started).toBeLessThan(250);
  };

  it('accepts or refuses with a 400 whatever JSON arrives', async () => {
    await fc.assert(fc.asyncProperty(json, check), { numRuns: 200 });
  });

  it('accepts or refuses with a 400 bodies close to valid ones', async () => {
    await fc.assert(fc.asyncProperty(nearlyValid, check), { numRuns: 300 });
  });
});
