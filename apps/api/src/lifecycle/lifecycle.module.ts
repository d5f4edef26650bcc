// The process lifecycle: graceful drain. Global, so the generation runner, the WebSocket gateway
// and the readiness check share the one DrainService; the middleware guards every HTTP endpoint
// that starts a generation.
import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';

import { DrainMiddleware } from './drain.middleware';
import { DrainService } from './drain.service';

/** The HTTP endpoints that start generations (the WebSocket gateway asks DrainService itself). */
export const GENERATION_ROUTES = [
  { path: 'v1/chat/completions', method: RequestMethod.POST },
  { path: 'v1/completions', method: RequestMethod.POST },
  { path: 'admin/tenants/:id/chat/completions', method: RequestMethod.POST },
];

@Global()
@Module({ providers: [DrainService], exports: [DrainService] })
export class LifecycleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DrainMiddleware).forRoutes(...GENERATION_ROUTES);
  }
}
