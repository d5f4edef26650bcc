import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { bearerToken, secretsEqual } from '../api-keys/api-key.secret';
import { ADMIN_TOKEN } from '../app.tokens';
import type { Environment } from '../config/environment';

/**
 * /metrics carries tenant and prompt ids, so a scraper authenticates: `Authorization: Bearer`
 * with METRICS_TOKEN (a scrape-only credential for Prometheus) or the admin token.
 */
@Injectable()
export class MetricsGuard implements CanActivate {
  private readonly accepted: string[];

  constructor(@Inject(ADMIN_TOKEN) adminToken: string, config: ConfigService<Environment, true>) {
    const metricsToken = config.get('METRICS_TOKEN', { infer: true }) as string | undefined;
    this.accepted = metricsToken ? [adminToken, metricsToken] : [adminToken];
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest().headers.authorization);
    if (token === null || !this.accepted.some((secret) => secretsEqual(token, secret))) {
      throw new UnauthorizedException('Metrics need Authorization: Bearer <METRICS_TOKEN or ADMIN_TOKEN>.');
    }
    return true;
  }
}
