import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';

import { TenantLimitsService } from './tenant-limits.service';
import { TenantRepository } from './tenant.repository';

/** Tenants' own limits, for the rate limiter and the prompt quota (no other dependencies, so both can import it). */
@Module({
  imports: [TypeOrmModule.forFeature([Tenant])],
  providers: [TenantRepository, TenantLimitsService],
  exports: [TenantRepository, TenantLimitsService],
})
export class TenantLimitsModule {}
