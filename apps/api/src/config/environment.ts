// Every environment variable the API reads, validated at boot. A bad value stops boot with a
// message naming the variable and what is wrong. The README's configuration table mirrors this.
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

import { displayValue } from './secrets';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' || value === '' ? false : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export class Environment {
  @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  ADMIN_UI_PORT = 3001;

  /** Unset: an embedded Postgres under DATA_DIR. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString() @MinLength(1)
  DATA_DIR = './.chunkserve';

  @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  /** Unset: generated on first start, stored under DATA_DIR and printed once. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters long' })
  ADMIN_TOKEN?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsIn(['auto', 'cpu', 'cuda'])
  ENGINE_DEVICE = 'auto';

  /** A Hugging Face checkpoint directory; unset: the built-in demo model, generated under DATA_DIR. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MODEL_PATH?: string;

  /** Bytes of the KV chunk pool; unset: the backend's default (the CPU: 256 MiB; CUDA: 90% of the free device memory after the weights). */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1 << 20)
  KV_CACHE_BYTES?: number = undefined; // initialised so that validateEnvironment knows the name

  /** Tokens per KV chunk (the unit of prefix sharing). */
  @Transform(toInt) @IsInt() @Min(1) @Max(4096)
  CHUNK_SIZE = 64;

  @IsIn(['fp32', 'fp16', 'bf16'])
  KV_DTYPE = 'fp32';

  /** Sequences decoded together at most. */
  @Transform(toInt) @IsInt() @Min(1) @Max(4096)
  MAX_BATCH = 32;

  /** CPU worker threads of the engine; 0: one per core. */
  @Transform(toInt) @IsInt() @Min(0) @Max(1024)
  ENGINE_THREADS = 0;

  /**
   * Tokens a tenant may keep pinned over all its prompts' current versions, counted in whole
   * chunks (a 13-token prompt pins a whole chunk of CHUNK_SIZE tokens).
   */
  @Transform(toInt) @IsInt() @Min(0)
  PINNED_TOKENS_QUOTA = 16384;

  /** Special-token text in chat messages is parsed as special tokens (trusted clients only); default: text. */
  @Transform(toBoolean) @IsBoolean()
  CHAT_CONTENT_SPECIAL_TOKENS = false;

  /** Running sequences of one tenant at most (0: no cap); admission is round robin over tenants. */
  @Transform(toInt) @IsInt() @Min(0) @Max(4096)
  MAX_RUNNING_PER_TENANT = 0;

  /** Unread events of one generation before its sequences pause in the engine (a slow reader). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  STREAM_MAX_BUFFERED_EVENTS = 512;

  /** A generation paused for a slow reader this long (ms) is cancelled; 0: never. */
  @Transform(toInt) @IsInt() @Min(0)
  STREAM_STALL_TIMEOUT_MS = 120_000;

  /** Fraction of the KV pool that all tenants' pinned prompts together may hold. */
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1)
  PINNED_POOL_FRACTION = 0.5;

  /** How often prompt versions that failed to pin are retried, in ms. */
  @Transform(toInt) @IsInt() @Min(100)
  RECONCILE_INTERVAL_MS = 10_000;

  /** Database connections at most. */
  @Transform(toInt) @IsInt() @Min(2) @Max(1000)
  DB_POOL_SIZE = 20;

  /** Waiting for a database connection fails after this long, in ms. */
  @Transform(toInt) @IsInt() @Min(100)
  DB_CONNECT_TIMEOUT_MS = 5000;

  /** The database ends a statement, or a transaction left idle, after this long, in ms. */
  @Transform(toInt) @IsInt() @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 30_000;

  /** Requests per tenant per RATE_LIMIT_WINDOW_MS on the tenant endpoints. */
  @Transform(toInt) @IsInt() @Min(1)
  RATE_LIMIT_REQUESTS = 600;

  @Transform(toInt) @IsInt() @Min(1000)
  RATE_LIMIT_WINDOW_MS = 60_000;

  /** Largest accepted request body, in bytes. */
  @Transform(toInt) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /** max_tokens when a request gives none. */
  @Transform(toInt) @IsInt() @Min(1)
  DEFAULT_MAX_TOKENS = 256;

  /** Scrape-only bearer token for GET /metrics (the admin token is always accepted too). */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  /** How often the live stats are sampled and pushed, in ms. */
  @Transform(toInt) @IsInt() @Min(100)
  STATS_INTERVAL_MS = 5000;

  /**
   * On SIGTERM/SIGINT, how long in-flight generations may run on (ms) while new ones are refused;
   * those still running then are cancelled and the process exits.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000)
  DRAIN_TIMEOUT_MS = 30_000;
}

export class EnvironmentError extends Error {}

/** Parses and validates raw variables (process.env); throws EnvironmentError listing every problem. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const known = new Set(Object.keys(new Environment()).concat(['DATABASE_URL', 'ADMIN_TOKEN', 'MODEL_PATH', 'METRICS_TOKEN']));
  const picked = Object.fromEntries(Object.entries(raw).filter(([k]) => known.has(k)));
  const env = plainToInstance(Environment, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      // A value of the wrong type gets one message, not every range check after it.
      const constraints = e.constraints ?? {};
      const messages = constraints.isInt ? [constraints.isInt] : Object.values(constraints);
      const problems = messages.map((m) => m.replace(new RegExp(`^${e.property} `), ''));
      return `  ${e.property}=${displayValue(e.property, raw[e.property])}: ${problems.join('; ')}`;
    });
    throw new EnvironmentError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}
