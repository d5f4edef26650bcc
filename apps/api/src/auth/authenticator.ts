// Who is calling: the one place that turns a bearer token into a tenant or the admin, for the HTTP
// guards and the WebSocket gateways alike. A refusal is a 401 (OpenAI's authentication_error).
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { secretsEqual } from '../api-keys/api-key.secret';
import { ApiKeyService } from '../api-keys/api-key.service';
import { ADMIN_TOKEN } from '../app.tokens';
import type { Environment } from '../config/environment';
import type { AuthenticatedTenant } from './authenticated-tenant';

@Injectable()
export class Authenticator {
  /** What /metrics accepts: METRICS_TOKEN (a scrape-only credential) when set, and the admin token. */
  private readonly scrapeTokens: string[];

  constructor(
    private readonly keys: ApiKeyService,
    @Inject(ADMIN_TOKEN) private readonly adminToken: string,
    config: ConfigService<Environment, true>,
  ) {
    // An empty admin token would let an empty `?token=` in; refused here whatever its source.
    if (!adminToken || adminToken.trim().length === 0) throw new Error('the admin token is empty: set ADMIN_TOKEN or DATA_DIR/admin-token');
    const metricsToken = config.get('METRICS_TOKEN', { infer: true }) as string | undefined;
    this.scrapeTokens = metricsToken ? [adminToken, metricsToken] : [adminToken];
  }

  /** The tenant of an API key; 401 when the key is missing, unknown or revoked. */
  async authenticateTenant(token: string | null): Promise<AuthenticatedTenant> {
    if (token === null) throw new UnauthorizedException('Missing API key: send Authorization: Bearer <api key>.');
    const tenant = await this.keys.authenticate(token);
    if (!tenant) throw new UnauthorizedException('Incorrect or revoked API key.');
    return tenant;
  }

  /** 401 unless the token is the admin token (compared in constant time). */
  authenticateAdmin(token: string | null): void {
    if (token === null || !secretsEqual(token, this.adminToken)) {
      throw new UnauthorizedException('A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>.');
    }
  }

  /** 401 unless the token may scrape /metrics (its labels name tenants and prompts). */
  authenticateScraper(token: string | null): void {
    if (token === null || !this.scrapeTokens.some((secret) => secretsEqual(token, secret))) {
      throw new UnauthorizedException('Metrics need Authorization: Bearer <METRICS_TOKEN or ADMIN_TOKEN>.');
    }
  }
}
