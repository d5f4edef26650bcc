import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

import { UsageRepository, type NewUsageRecord } from './usage.repository';

/** Writes one usage row per finished request (the dashboard's history). */
@Injectable()
export class UsageService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageService.name);
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly usage: UsageRepository) {}

  /** Does not delay the response; a failed write is logged. */
  record(row: NewUsageRecord): void {
    const write = this.usage
      .insert(row)
      .catch((err) => this.logger.error(`usage record not written: ${(err as Error).message}`))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.flush();
  }

  /** Resolves when every write started so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
