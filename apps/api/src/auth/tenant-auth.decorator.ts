import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';

import { ApiKeyGuard } from './api-key.guard';
import { TenantThrottlerGuard } from './tenant-throttler.guard';

/** A tenant endpoint: API key, then the tenant's rate limit. */
export const TenantAuth = () => applyDecorators(UseGuards(ApiKeyGuard, TenantThrottlerGuard), ApiBearerAuth('api-key'));
