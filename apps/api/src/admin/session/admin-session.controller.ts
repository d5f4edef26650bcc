import { Body, Controller, Delete, Headers, HttpCode, Ip, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AdminSessionCreated } from '@chunkserve/contracts';

import { AdminAccess, AdminSessionId } from './admin-access';
import { CreateAdminSessionDto } from './admin-session.dto';
import { AdminSessionService, LoginThrottledError } from './admin-session.service';

/** The admin UI reports the browser's address here (only used to throttle failed logins). */
export const CLIENT_HEADER = 'x-chunkserve-client';

@ApiTags('admin')
@Controller('admin/sessions')
export class AdminSessionController {
  constructor(private readonly sessions: AdminSessionService) {}

  @Post()
  @ApiOperation({ summary: 'Log in with the admin token: an opaque session id for the admin UI (failed logins are throttled, 429)' })
  @ApiHeader({ name: CLIENT_HEADER, required: false, description: "The browser's address, as the admin UI sees it" })
  async create(
    @Body() dto: CreateAdminSessionDto,
    @Ip() source: string,
    @Headers(CLIENT_HEADER) client: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AdminSessionCreated> {
    try {
      return await this.sessions.login(dto.token, { source, client: client?.slice(0, 100) ?? null });
    } catch (err) {
      if (err instanceof LoginThrottledError) res.header('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  @Delete('current')
  @HttpCode(204)
  @AdminAccess()
  @ApiOperation({ summary: 'Log out: revokes the session id sent as the bearer token' })
  async remove(@AdminSessionId() session: string | null): Promise<void> {
    if (session) await this.sessions.revoke(session);
  }
}
