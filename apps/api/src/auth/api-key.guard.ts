import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

import { Authenticator } from './authenticator';
import { requestToken } from './request-token';

/** `Authorization: Bearer <api key>`: attaches the key's tenant to the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly auth: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    context.switchToHttp().getRequest().tenant = await this.auth.authenticateTenant(requestToken(context));
    return true;
  }
}
