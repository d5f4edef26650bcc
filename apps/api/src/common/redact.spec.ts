import { redactCredentials, redactQuery } from './redact';

describe('redactCredentials', () => {
  const key = 'cs_live_AbCdEfGhIjKl_' + 's'.repeat(43);

  it('hides credential query values and keeps the rest of the URL', () => {
    expect(redactCredentials(`/v1/stream?api_key=${key}&x=1`)).toBe('/v1/stream?api_key=[REDACTED]&x=1');
    expect(redactCredentials('/admin/stats/live?token=secret-admin-token')).toBe('/admin/stats/live?token=[REDACTED]');
    expect(redactCredentials('Cannot GET /v1/stream?x=1&TOKEN=abc')).toBe('Cannot GET /v1/stream?x=1&TOKEN=[REDACTED]');
    expect(redactCredentials('/v1/models?tokens=3')).toBe('/v1/models?tokens=3');
  });

  it('hides the secret part of an API key anywhere in a text', () => {
    expect(redactCredentials(`bad key ${key}.`)).toBe('bad key cs_live_AbCdEfGhIjKl_[REDACTED].');
  });

  it('redacts parsed query objects', () => {
    expect(redactQuery({ api_key: key, Token: 't', minutes: '5' })).toEqual({ api_key: '[REDACTED]', Token: '[REDACTED]', minutes: '5' });
    expect(redactQuery(undefined)).toBeUndefined();
  });
});
