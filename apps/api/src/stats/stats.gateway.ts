// Live stats for the dashboard at /admin/stats/live (admin token in the Authorization header or
// `?token=`): the recent samples on connect, then each new sample as it is taken.
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'http';
import type { WebSocket } from 'ws';

import { bearerToken } from '../api-keys/api-key.secret';
import { AdminGuard } from '../auth/admin.guard';
import { StatsService } from './stats.service';

@WebSocketGateway({ path: '/admin/stats/live' })
export class StatsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly unsubscribe = new WeakMap<WebSocket, () => void>();

  constructor(
    private readonly stats: StatsService,
    private readonly admin: AdminGuard,
  ) {}

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const token = bearerToken(req.headers.authorization) ?? new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    if (!this.admin.isAdminToken(token)) {
      socket.send(JSON.stringify({ type: 'error', error: { message: 'A valid admin token is required.', type: 'authentication_error', code: 'invalid_api_key' } }));
      socket.close(4401, 'unauthorized');
      return;
    }
    socket.send(JSON.stringify({ type: 'history', samples: this.stats.recentLive() }));
    this.unsubscribe.set(
      socket,
      this.stats.subscribe((sample) => {
        // A dashboard that cannot keep up skips samples rather than buffering them.
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < 1 << 20) socket.send(JSON.stringify(sample));
      }),
    );
  }

  handleDisconnect(socket: WebSocket): void {
    this.unsubscribe.get(socket)?.();
  }
}
