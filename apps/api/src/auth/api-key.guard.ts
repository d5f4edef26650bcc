import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';

import { bearerToken } from '../api-keys/api-key.secret';
import { ApiKeyService } from '../api-keys/api-key.service';

/** `Authorization: Bearer <api key>`: attaches the key's tenant to the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest();
    const token = bearerToken(req.headers.authorization);
    if (token === null) throw new UnauthorizedException('Missing API key: send Authorization: Bearer <api key>.');
    const tenant = await this.keys.authenticate(token);
    if (!tenant) throw new UnauthorizedException('Incorrect or revoked API key.');
    req.tenant = tenant;
    return true;
  }
}
