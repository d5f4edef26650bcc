import type { ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'http';

import { bearerToken } from '../api-keys/api-key.secret';

/** The bearer token of an HTTP request, else null. */
export function requestToken(context: ExecutionContext): string | null {
  return bearerToken(context.switchToHttp().getRequest().headers.authorization);
}

/** The token of a WebSocket upgrade: `Authorization: Bearer`, else the `queryParam` of its URL. */
export function socketToken(req: IncomingMessage, queryParam: string): string | null {
  return bearerToken(req.headers.authorization) ?? new URL(req.url ?? '/', 'http://x').searchParams.get(queryParam);
}
