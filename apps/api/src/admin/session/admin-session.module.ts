import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminSession } from '@chunkserve/persistence';

import { AdminAccessGuard } from './admin-access';
import { AdminSessionController } from './admin-session.controller';
import { AdminSessionRepository } from './admin-session.repository';
import { AdminSessionService } from './admin-session.service';

/** Admin sessions and the admin guard, for every module's admin controllers and gateways. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AdminSession])],
  controllers: [AdminSessionController],
  providers: [AdminSessionRepository, AdminSessionService, AdminAccessGuard],
  exports: [AdminSessionService, AdminAccessGuard],
})
export class AdminSessionModule {}
