import { validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('fills defaults', () => {
    const env = validateEnvironment({});
    expect(env.PORT).toBe(3000);
    expect(env.ADMIN_UI_PORT).toBe(3001);
    expect(env.DATA_DIR).toBe('./.chunkserve');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ENGINE_DEVICE).toBe('auto');
  });

  it('converts numbers and keeps valid values', () => {
    const env = validateEnvironment({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/x', ENGINE_DEVICE: 'cpu' });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe('postgres://u:p@db:5432/x');
    expect(env.ENGINE_DEVICE).toBe('cpu');
  });

  it('names each bad variable and what is wrong with it', () => {
    expect(() => validateEnvironment({ PORT: 'abc', ENGINE_DEVICE: 'tpu', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT="abc": must be an integer number[\s\S]*DATABASE_URL="mysql:\/\/x": must be a postgres[\s\S]*ENGINE_DEVICE="tpu": must be one of/,
    );
    expect(() => validateEnvironment({ PORT: '70000' })).toThrow(/PORT="70000": must not be greater than 65535/);
    // Secret values are never printed (issue 10): the variable and its length only.
    expect(() => validateEnvironment({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN=<hidden, 5 characters>: must be at least 16 characters/);
    expect(() => validateEnvironment({ ADMIN_TOKEN: 'short' })).not.toThrow(/short/);
    expect(() => validateEnvironment({ DATABASE_URL: 'mysql://u:hunter2@x' })).toThrow(/DATABASE_URL="mysql:\/\/u:\*\*\*@x"/);
  });
});

describe('engine and serving variables', () => {
  it('has defaults and converts numbers', () => {
    const env = validateEnvironment({ KV_CACHE_BYTES: '33554432', CHUNK_SIZE: '16', PINNED_TOKENS_QUOTA: '0', MODEL_PATH: '' });
    expect(env.KV_CACHE_BYTES).toBe(33554432);
    expect(env.CHUNK_SIZE).toBe(16);
    expect(env.PINNED_TOKENS_QUOTA).toBe(0);
    expect(env.MODEL_PATH).toBeUndefined();
    expect(env.KV_DTYPE).toBe('fp32');
    expect(env.RATE_LIMIT_REQUESTS).toBe(600);
  });

  it('rejects bad values', () => {
    const bad = () => validateEnvironment({ KV_DTYPE: 'int4', CHUNK_SIZE: '0', BODY_LIMIT_BYTES: 'lots' });
    expect(bad).toThrow(/CHUNK_SIZE="0": must not be less than 1/);
    expect(bad).toThrow(/KV_DTYPE="int4": must be one of the following values: fp32, fp16, bf16/);
    expect(bad).toThrow(/BODY_LIMIT_BYTES="lots": must be an integer number/);
  });
});

describe('capacity, fairness and streaming variables', () => {
  it('has defaults and converts values', () => {
    const env = validateEnvironment({ PINNED_POOL_FRACTION: '0.25', CHAT_CONTENT_SPECIAL_TOKENS: 'true', MAX_RUNNING_PER_TENANT: '8' });
    expect(env).toMatchObject({ PINNED_POOL_FRACTION: 0.25, CHAT_CONTENT_SPECIAL_TOKENS: true, MAX_RUNNING_PER_TENANT: 8, STREAM_MAX_BUFFERED_EVENTS: 512, DB_POOL_SIZE: 20 });
    expect(validateEnvironment({})).toMatchObject({ PINNED_POOL_FRACTION: 0.5, CHAT_CONTENT_SPECIAL_TOKENS: false, MAX_RUNNING_PER_TENANT: 0, PINNED_TOKENS_QUOTA: 16384 });
  });

  it('rejects bad values', () => {
    const bad = () => validateEnvironment({ PINNED_POOL_FRACTION: '1.5', CHAT_CONTENT_SPECIAL_TOKENS: 'yes', DB_POOL_SIZE: '1' });
    expect(bad).toThrow(/PINNED_POOL_FRACTION="1.5": must not be greater than 1/);
    expect(bad).toThrow(/CHAT_CONTENT_SPECIAL_TOKENS="yes": must be a boolean value/);
    expect(bad).toThrow(/DB_POOL_SIZE="1": must not be less than 2/);
  });
});

describe('DRAIN_TIMEOUT_MS', () => {
  it('defaults to 30 s and takes whole milliseconds from 0', () => {
    expect(validateEnvironment({}).DRAIN_TIMEOUT_MS).toBe(30_000);
    expect(validateEnvironment({ DRAIN_TIMEOUT_MS: '0' }).DRAIN_TIMEOUT_MS).toBe(0);
    expect(() => validateEnvironment({ DRAIN_TIMEOUT_MS: '-1' })).toThrow(/DRAIN_TIMEOUT_MS="-1": must not be less than 0/);
    expect(() => validateEnvironment({ DRAIN_TIMEOUT_MS: '30s' })).toThrow(/DRAIN_TIMEOUT_MS="30s": must be an integer number/);
  });
});
