import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';

import { NoNulCharacter } from '../common/no-nul';

/** Longest prompt text accepted (characters); the token quota is the real limit. */
export const MAX_PROMPT_CHARS = 200_000;

export class CreatePromptDto {
  @ApiProperty({ example: 'support-bot', description: 'Unique per tenant; letters, digits, ".", "_", "-" (1-100)' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'name may contain only letters, digits, ".", "_" and "-"' })
  name!: string;

  @ApiProperty({ example: 'You are the support assistant of ACME. ...', description: 'The system prompt text' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PROMPT_CHARS)
  @NoNulCharacter()
  content!: string;
}

export class UpdatePromptDto {
  @ApiProperty({ description: 'The new content; becomes a new version' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PROMPT_CHARS)
  @NoNulCharacter()
  content!: string;
}
