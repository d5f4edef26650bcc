import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

/**
 * WebSockets whose frames are at most `maxPayload` bytes (BODY_LIMIT_BYTES, like HTTP bodies: a
 * larger frame closes the socket with 1009 before it is buffered whole), and which Nest never
 * parses: the gateways read raw frames themselves, after authentication.
 */
export class BoundedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxPayload: number,
  ) {
    super(app, { messageParser: () => undefined });
  }

  override create(port: number, options: Record<string, unknown> = {}) {
    return super.create(port, { ...options, maxPayload: this.maxPayload });
  }
}
