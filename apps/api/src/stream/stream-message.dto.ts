// The messages a client sends on /v1/stream, validated by the HTTP bodies' pipe (validateAs).
import { Equals, IsIn, IsObject, IsString, Length, ValidateIf } from 'class-validator';

/** The first message of a socket that did not authenticate when it connected. */
export class AuthMessageDto {
  @Equals('auth')
  type!: 'auth';

  @IsString()
  api_key!: string;
}

/** Once authenticated: {type: "generate", id, request} starts a generation, {type: "cancel", id} stops it. */
export class GenerationMessageDto {
  @IsIn(['generate', 'cancel'])
  type!: 'generate' | 'cancel';

  /** The client's name for the generation: every event about it carries it. */
  @IsString()
  @Length(1, 128)
  id!: string;

  /** A chat-completions body: validated as ChatCompletionDto when the generation starts, so its errors carry the id. */
  @ValidateIf((m: GenerationMessageDto) => m.type === 'generate')
  @IsObject()
  request?: Record<string, unknown>;
}
