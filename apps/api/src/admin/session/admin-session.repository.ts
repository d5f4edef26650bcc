// The SQL of admin console sessions (TypeORM): rows hold the SHA-256 of the session id.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AdminSession } from '@chunkserve/persistence';
import { IsNull, MoreThan, type Repository } from 'typeorm';

@Injectable()
export class AdminSessionRepository {
  constructor(@InjectRepository(AdminSession) private readonly sessions: Repository<AdminSession>) {}

  insert(tokenHash: Buffer, expiresAt: Date, now: Date): Promise<AdminSession> {
    return this.sessions.save(this.sessions.create({ tokenHash, expiresAt, lastSeenAt: now, revokedAt: null }));
  }

  /** The unrevoked, unexpired session with this hash, else null. */
  findActive(tokenHash: Buffer, now: Date): Promise<AdminSession | null> {
    return this.sessions.findOneBy({ tokenHash, revokedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.sessions.update({ id }, { lastSeenAt: at });
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: at });
  }
}
