import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CacheTree, LiveStats, OverviewCounts, PlatformStats, PromptStats, SeriesPoint, VersionTree } from '@chunkserve/contracts';

import { CurrentTenant, type AuthenticatedTenant } from '../auth/authenticated-tenant';
import { AdminAccess } from '../admin/session/admin-access';
import { TenantAuth } from '../auth/tenant-auth.decorator';
import { OpenAiError } from '../common/openai-error';
import { AdminSeriesQueryDto, SeriesQueryDto, TenantFilterDto } from './stats.dto';
import { StatsService } from './stats.service';
import { VersionTreeService } from './version-tree.service';

const MAX_BUCKETS = 2000;

function checkBuckets(q: SeriesQueryDto): void {
  if ((q.minutes * 60) / q.bucket > MAX_BUCKETS) {
    throw OpenAiError.badRequest(`At most ${MAX_BUCKETS} buckets: widen bucket or shorten minutes.`, 'invalid_value', 'bucket');
  }
}

@ApiTags('admin')
@AdminAccess()
@Controller('admin/stats')
export class AdminStatsController {
  constructor(
    private readonly stats: StatsService,
    private readonly versionTree: VersionTreeService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Platform-wide figures: tenants, prompts, pinned tokens, requests, hit rate, engine pool' })
  platform(): Promise<PlatformStats> {
    return this.stats.platform();
  }

  @Get('counts')
  @ApiOperation({ summary: 'Tenants, active keys, prompts and pinned tokens (one tenant\'s with ?tenant=)' })
  counts(@Query() q: TenantFilterDto): Promise<OverviewCounts> {
    return this.stats.counts(q.tenant);
  }

  @Get('series')
  @ApiOperation({ summary: 'Hit rate, throughput, TTFT and inter-token latency percentiles over time, from the usage history' })
  series(@Query() q: AdminSeriesQueryDto): Promise<SeriesPoint[]> {
    checkBuckets(q);
    return this.stats.series({ tenantId: q.tenant, minutes: q.minutes, bucketSeconds: q.bucket });
  }

  @Get('prompts')
  @ApiOperation({ summary: 'Per-prompt figures' })
  prompts(@Query() q: TenantFilterDto): Promise<PromptStats[]> {
    return this.stats.prompts(q.tenant);
  }

  @Get('tree')
  @ApiOperation({ summary: "The engine's chunk tree (one tenant's with ?tenant=)" })
  tree(@Query() q: TenantFilterDto): Promise<CacheTree> {
    return this.stats.tree(q.tenant);
  }

  @Get('tree/versions')
  @ApiOperation({ summary: 'The chunk tree by prompt version: collapsed runs, labelled versions, request tails; bounded' })
  treeByVersion(@Query() q: TenantFilterDto): Promise<VersionTree> {
    return this.versionTree.tree(q.tenant);
  }

  @Get('live')
  @ApiOperation({ summary: 'The recent live engine samples (the WebSocket /admin/stats/live pushes new ones)' })
  live(): LiveStats[] {
    return this.stats.recentLive();
  }
}

/** A tenant's own figures: nothing about other tenants or the platform. */
@ApiTags('stats')
@TenantAuth()
@Controller('v1/stats')
export class TenantStatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('series')
  @ApiOperation({ summary: "The tenant's hit-rate and throughput time series" })
  series(@CurrentTenant() tenant: AuthenticatedTenant, @Query() q: SeriesQueryDto): Promise<SeriesPoint[]> {
    checkBuckets(q);
    return this.stats.series({ tenantId: tenant.id, minutes: q.minutes, bucketSeconds: q.bucket });
  }

  @Get('prompts')
  @ApiOperation({ summary: "Figures of the tenant's prompts" })
  prompts(@CurrentTenant() tenant: AuthenticatedTenant): Promise<PromptStats[]> {
    return this.stats.prompts(tenant.id);
  }

  @Get('tree')
  @ApiOperation({ summary: "The tenant's part of the chunk tree (its own chunk numbering and recency ranks)" })
  tree(@CurrentTenant() tenant: AuthenticatedTenant): Promise<CacheTree> {
    return this.stats.tenantTree(tenant.id);
  }
}
