import { PickType } from '@nestjs/swagger';

import { AdminSeriesQueryDto } from './stats.dto';

/** The query of /admin/stats/live: which usage buckets to push (one tenant's or all). */
export class LiveSubscriptionDto extends PickType(AdminSeriesQueryDto, ['tenant', 'bucket'] as const) {}
