// Per-tenant rate limits (@nestjs/throttler keyed by the authenticated tenant) answer 429 in
// OpenAI's error shape, without touching other tenants.
import { call, createTenant, startApi, type RunningApi } from '../support/api-app';

describe('rate limits', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ env: { RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_MS: '60000' } });
  });
  afterAll(() => api?.close());

  it('limits each tenant on its own', async () => {
    const noisy = await createTenant(api.url, 'noisy');
    const quiet = await createTenant(api.url, 'quiet');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(api.url, noisy.key, 'GET', '/v1/prompts')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await call(api.url, noisy.key, 'GET', '/v1/models');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect((await call(api.url, quiet.key, 'GET', '/v1/prompts')).status).toBe(200);
  });
});
