// The SQL of usage rows (TypeORM): one per finished request, read back by the stats queries.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UsageRecord } from '@chunkserve/persistence';
import type { Repository } from 'typeorm';

export type NewUsageRecord = Omit<UsageRecord, 'id' | 'createdAt'>;

@Injectable()
export class UsageRepository {
  constructor(@InjectRepository(UsageRecord) private readonly usage: Repository<UsageRecord>) {}

  async insert(row: NewUsageRecord): Promise<void> {
    await this.usage.insert(row);
  }
}
