import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

import { Authenticator } from './authenticator';
import { requestToken } from './request-token';

/** /metrics: `Authorization: Bearer` with METRICS_TOKEN or the admin token. */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(private readonly auth: Authenticator) {}

  canActivate(context: ExecutionContext): boolean {
    this.auth.authenticateScraper(requestToken(context));
    return true;
  }
}
