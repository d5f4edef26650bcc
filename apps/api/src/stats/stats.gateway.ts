// Live stats for the dashboard at /admin/stats/live (admin token in the Authorization header or
// `?token=`): the recent samples on connect, then each new sample as it is taken.
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'http';
import type { WebSocket } from 'ws';

import { Authenticator } from '../auth/authenticator';
import { closeUnauthorized } from '../auth/close-unauthorized';
import { socketToken } from '../auth/request-token';
import { StatsService } from './stats.service';

@WebSocketGateway({ path: '/admin/stats/live' })
export class StatsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly unsubscribe = new WeakMap<WebSocket, () => void>();

  constructor(
    private readonly stats: StatsService,
    private readonly auth: Authenticator,
  ) {}

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    try {
      this.auth.authenticateAdmin(socketToken(req, 'token'));
    } catch (err) {
      return closeUnauthorized(socket, err);
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
