import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, MaxLength, Min, MinLength } from 'class-validator';

import { CreatePromptDto, MAX_PROMPT_CHARS } from '../../prompts/prompt.dto';

export class AdminCreatePromptDto extends CreatePromptDto {
  @ApiProperty({ description: 'The tenant the prompt belongs to' })
  @IsUUID()
  tenantId!: string;
}

export class RestorePromptVersionDto {
  @ApiProperty({ example: 1, description: 'The version whose content becomes a new version' })
  @IsInt()
  @Min(1)
  version!: number;
}

export class PromptDraftDto {
  @ApiProperty({ description: 'The draft content to analyse (nothing is stored or pinned)' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PROMPT_CHARS)
  content!: string;
}

export class AdminPromptFilterDto {
  @ApiPropertyOptional({ description: 'Only this tenant' })
  @IsOptional()
  @IsUUID()
  tenant?: string;
}
