import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

import { NoNulCharacter } from '../common/no-nul';

/** 1 to 100 characters, not blank, no NUL (Postgres text cannot hold it). */
const TenantName = () => applyDecorators(IsString(), Length(1, 100), Matches(/\S/, { message: 'name must not be blank' }), NoNulCharacter());

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: '1 to 100 characters' })
  @TenantName()
  name!: string;
}

/** Absent: unchanged; null: back to the platform default. */
export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'acme-eu', description: 'A new name (1 to 100 characters)' })
  @IsOptional()
  @TenantName()
  name?: string;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Chunks its prompts may pin (0-1,000,000); null: the platform default' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  pinnedChunkQuota?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Requests per RATE_LIMIT_WINDOW_MS (1-1,000,000); null: the platform default' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitRequests?: number | null;
}
