import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import { readSettings, toOptionalInt } from './env-settings';

export class EngineMetricsSettings {
  /** Port of the unauthenticated, tenant-free engine gauges (GET /metrics there); unset: not served. */
  @Transform(toOptionalInt) @IsOptional() @IsInt() @Min(1) @Max(65535)
  ENGINE_METRICS_PORT?: number = undefined;
}

export function engineMetricsSettings(raw: Record<string, unknown> = process.env): EngineMetricsSettings {
  return readSettings(EngineMetricsSettings, raw);
}
