import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';

import { bearerToken, secretsEqual } from '../api-keys/api-key.secret';
import { ADMIN_TOKEN } from '../app.tokens';

/** `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly adminToken: string) {}

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest().headers.authorization);
    if (token === null || !secretsEqual(token, this.adminToken)) {
      throw new UnauthorizedException('A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>.');
    }
    return true;
  }

  /** For sockets: true when the token is the admin token. */
  isAdminToken(token: string | null): boolean {
    return token !== null && secretsEqual(token, this.adminToken);
  }
}
