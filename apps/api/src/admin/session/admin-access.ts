// The admin endpoints' guard: the admin token, or a live admin session id (the admin UI's).
import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';

import { Authenticator } from '../../auth/authenticator';
import { requestToken } from '../../auth/request-token';
import { AdminSessionService } from './admin-session.service';

@Injectable()
export class AdminAccessGuard implements CanActivate {
  constructor(
    private readonly auth: Authenticator,
    private readonly sessions: AdminSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authenticate(requestToken(context));
    return true;
  }

  /** For HTTP and WebSocket alike: 401 unless the token is the admin token or a live session. */
  async authenticate(token: string | null): Promise<void> {
    if (token !== null && AdminSessionService.isSessionId(token)) await this.sessions.authenticate(token);
    else this.auth.authenticateAdmin(token);
  }
}

/** An admin endpoint: `Authorization: Bearer <ADMIN_TOKEN or admin session id>`. */
export const AdminAccess = () => applyDecorators(UseGuards(AdminAccessGuard), ApiBearerAuth('admin'));

/** The session id of the request's bearer token, or null when it is the admin token. */
export const AdminSessionId = createParamDecorator((_: unknown, context: ExecutionContext): string | null => {
  const token = requestToken(context);
  return token !== null && AdminSessionService.isSessionId(token) ? token : null;
});
