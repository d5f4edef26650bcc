import { NotFoundException } from '@nestjs/common';

import { toOpenAiError } from './openai-exception.filter';

describe('toOpenAiError', () => {
  it('never echoes a credential from the URL of an unknown route', () => {
    const key = `cs_live_AbCdEfGhIjKl_${'s'.repeat(43)}`;
    const { status, body } = toOpenAiError(new NotFoundException(`Cannot GET /v1/stream?api_key=${key}`));
    expect(status).toBe(404);
    expect(body.error.message).toBe('Cannot GET /v1/stream?api_key=[REDACTED]');
    expect(JSON.stringify(body)).not.toContain('s'.repeat(43));
  });
});
