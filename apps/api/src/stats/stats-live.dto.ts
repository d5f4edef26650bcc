import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/** The query of /admin/stats/live: which usage buckets to push (one tenant's or all). */
export class LiveSubscriptionDto {
  @IsOptional()
  @IsUUID()
  tenant?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(86400)
  bucket = 60;
}
