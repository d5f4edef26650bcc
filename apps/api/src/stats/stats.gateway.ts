// Live stats for the dashboard at /admin/stats/live (the admin token or an admin session id, in the
// Authorization header or `?token=`): the recent engine samples on connect, then each new sample as
// it is taken, followed by the subscription's latest usage buckets and counts
// (`?tenant=&bucket=`), so every card and chart of the overview updates without re-reading history.
import { Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'http';
import type { WebSocket } from 'ws';

import { AdminAccessGuard } from '../admin/session/admin-access';
import { closeUnauthorized } from '../auth/close-unauthorized';
import { socketToken } from '../auth/request-token';
import { toOpenAiError } from '../common/openai-exception.filter';
import { validateAs } from '../common/validation';
import { LiveSubscriptionDto } from './stats-live.dto';
import { StatsService } from './stats.service';

/** Sockets that cannot keep up skip messages rather than buffering them. */
const MAX_BUFFERED = 1 << 20;

@WebSocketGateway({ path: '/admin/stats/live' })
export class StatsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(StatsGateway.name);
  private readonly subscriptions = new Map<WebSocket, LiveSubscriptionDto>();
  private unsubscribe?: () => void;
  private pushing = false;

  constructor(
    private readonly stats: StatsService,
    private readonly access: AdminAccessGuard,
  ) {}

  async handleConnection(socket: WebSocket, req: IncomingMessage): Promise<void> {
    try {
      await this.access.authenticate(socketToken(req, 'token'));
    } catch (err) {
      return closeUnauthorized(socket, err);
    }
    let subscription: LiveSubscriptionDto;
    try {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      subscription = await validateAs(LiveSubscriptionDto, { tenant: query.get('tenant') ?? undefined, bucket: query.get('bucket') ?? undefined });
    } catch (err) {
      socket.send(JSON.stringify({ type: 'error', error: toOpenAiError(err).body.error }));
      return socket.close(4400, 'bad subscription');
    }
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ type: 'history', samples: this.stats.recentLive() }));
    this.subscriptions.set(socket, subscription);
    this.unsubscribe ??= this.stats.subscribe((sample) => {
      for (const s of this.subscriptions.keys()) send(s, sample);
      void this.pushUsage();
    });
  }

  handleDisconnect(socket: WebSocket): void {
    this.subscriptions.delete(socket);
    if (this.subscriptions.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  /** One query per distinct subscription; a tick is skipped while the previous one still runs. */
  private async pushUsage(): Promise<void> {
    if (this.pushing) return;
    this.pushing = true;
    try {
      const groups = new Map<string, { subscription: LiveSubscriptionDto; sockets: WebSocket[] }>();
      for (const [socket, subscription] of this.subscriptions) {
        const key = `${subscription.tenant ?? ''}|${subscription.bucket}`;
        const group = groups.get(key) ?? { subscription, sockets: [] };
        group.sockets.push(socket);
        groups.set(key, group);
      }
      for (const { subscription, sockets } of groups.values()) {
        const usage = await this.stats.liveUsage(subscription.tenant, subscription.bucket);
        for (const socket of sockets) send(socket, usage);
      }
    } catch (err) {
      this.logger.warn(`live usage not pushed: ${(err as Error).message}`);
    } finally {
      this.pushing = false;
    }
  }
}

function send(socket: WebSocket, message: object): void {
  if (socket.readyState === socket.OPEN && socket.bufferedAmount < MAX_BUFFERED) socket.send(JSON.stringify(message));
}
