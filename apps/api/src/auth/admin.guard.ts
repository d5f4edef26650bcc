import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

import { Authenticator } from './authenticator';
import { requestToken } from './request-token';

/** `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly auth: Authenticator) {}

  canActivate(context: ExecutionContext): boolean {
    this.auth.authenticateAdmin(requestToken(context));
    return true;
  }
}
