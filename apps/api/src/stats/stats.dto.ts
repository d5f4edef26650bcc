import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/** A query string's integer; anything else stays as it is for IsInt to refuse (Number() throws on some objects). */
const queryInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

export class TenantFilterDto {
  @ApiPropertyOptional({ description: 'Only this tenant' })
  @IsOptional()
  @IsUUID()
  tenant?: string;
}

export class SeriesQueryDto {
  @ApiPropertyOptional({ default: 60, description: 'How far back, in minutes (1-10080)' })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(1)
  @Max(10080)
  minutes = 60;

  @ApiPropertyOptional({ default: 60, description: 'Bucket width in seconds (10-86400)' })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(10)
  @Max(86400)
  bucket = 60;
}

export class AdminSeriesQueryDto extends SeriesQueryDto {
  @ApiPropertyOptional({ description: 'Only this tenant' })
  @IsOptional()
  @IsUUID()
  tenant?: string;
}
