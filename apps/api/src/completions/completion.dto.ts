// Request bodies of the OpenAI-compatible endpoints. Unknown fields are rejected with a message
// naming them (a client that sends `tools` learns at once that they are not supported).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

import { MAX_CACHE_SALT_CHARS } from '../engine/cache-namespace';

/** Messages of one chat at most: checked before any template is rendered. */
export const MAX_MESSAGES = 1024;
/** Text parts of one message at most. */
export const MAX_CONTENT_PARTS = 64;
/** Characters of one stop string at most. */
export const MAX_STOP_CHARS = 256;
/** The largest seed the engine takes: integers in [0, 2^53). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A string or an array of at most MAX_CONTENT_PARTS `{type: "text", text}` parts (what OpenAI accepts for text). */
function IsTextContent(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isTextContent',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' ||
          (Array.isArray(value) &&
            value.length <= MAX_CONTENT_PARTS &&
            value.every((p) => p !== null && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string')),
        defaultMessage: (args) =>
          Array.isArray(args?.value) && args.value.length > MAX_CONTENT_PARTS
            ? `must have at most ${MAX_CONTENT_PARTS} parts`
            : 'must be a string or an array of {"type": "text", "text": string} parts',
      },
    },
    options,
  );
}

const isStopString = (s: unknown) => typeof s === 'string' && s.length > 0 && s.length <= MAX_STOP_CHARS;

/** A string or an array of at most 4 strings, each non-empty and at most MAX_STOP_CHARS long. */
function IsStop(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isStop',
      validator: {
        validate: (value: unknown) => isStopString(value) || (Array.isArray(value) && value.length <= 4 && value.every(isStopString)),
        defaultMessage: () => `must be a non-empty string or an array of at most 4 non-empty strings, each at most ${MAX_STOP_CHARS} characters`,
      },
    },
    options,
  );
}

export class StreamOptionsDto {
  @ApiPropertyOptional({ description: 'Send a last chunk with the usage (cached tokens included)' })
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

export class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool'] })
  @IsIn(['system', 'developer', 'user', 'assistant', 'tool'])
  role!: 'system' | 'developer' | 'user' | 'assistant' | 'tool';

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] })
  @IsTextContent()
  content!: string | { type: 'text'; text: string }[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  name?: string;
}

/** Sampling and output fields shared by both endpoints. */
class SamplingDto {
  @ApiProperty({ description: 'The served model (GET /v1/models)' })
  @IsString()
  @MaxLength(256)
  model!: string;

  @ApiPropertyOptional({ description: 'ChunkServe extension: a registered prompt of the tenant, used as the system message' })
  @IsOptional()
  @IsUUID('all', { message: 'prompt_id must be the id of a registered prompt (a UUID)' })
  prompt_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 8 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8)
  n?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(1)
  top_p?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  max_tokens?: number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  @IsOptional()
  @IsStop()
  stop?: string | string[];

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_SEED })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SEED)
  seed?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  frequency_penalty?: number;

  @ApiPropertyOptional({ minimum: -2, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  presence_penalty?: number;

  @ApiPropertyOptional({ description: 'ChunkServe extension (as in vLLM): keep generating past end-of-turn tokens' })
  @IsOptional()
  @IsBoolean()
  ignore_eos?: boolean;

  @ApiPropertyOptional({
    maxLength: MAX_CACHE_SALT_CHARS,
    description:
      'Your routing salt (32 hex digits: SHA-256 of "tenant:<tenant id>"), so a prefix-aware router keys the request as your cached ' +
      'chunks; or a longer value starting with it: a cache namespace of its own, shared only by requests with the same cache_salt. ' +
      'Anything else is a 400 (docs/scale-out.md).',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_CACHE_SALT_CHARS)
  cache_salt?: string;

  @ApiPropertyOptional({ maxLength: 256, description: 'Accepted as an affinity hint for routers; never an isolation boundary (use cache_salt)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  prompt_cache_key?: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored (end-user id)' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;
}

export class ChatCompletionDto extends SamplingDto {
  @ApiProperty({ type: [ChatMessageDto], maxItems: MAX_MESSAGES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MESSAGES)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @ApiPropertyOptional({ minimum: 1, description: 'Alias of max_tokens' })
  @IsOptional()
  @IsInt()
  @Min(1)
  max_completion_tokens?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  logprobs?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 20 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  top_logprobs?: number;
}

export class CompletionDto extends SamplingDto {
  @ApiProperty({ description: 'The prompt text (not empty)' })
  @IsString()
  @MinLength(1)
  prompt!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 5, description: 'Return the log probabilities of this many top tokens' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5)
  logprobs?: number;
}
