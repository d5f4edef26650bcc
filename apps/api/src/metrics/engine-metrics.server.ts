// The model-server protocol's gauges on their own port, without authentication: the llm-d Endpoint
// Picker scrapes model servers with a plain GET (no bearer token; its metrics-data-source takes a
// scheme, path and port, or a client certificate). They carry no tenant; the tenant-labelled
// series stay behind METRICS_TOKEN on the API's /metrics. Unset ENGINE_METRICS_PORT: not served.
import { createServer, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';

import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Registry } from 'prom-client';

import type { Environment } from '../config/environment';
import { engineMetricsSettings } from './engine-metrics.settings';
import { MetricsService } from './metrics.service';
import { registerProtocolGauges } from './protocol-gauges';

@Injectable()
export class EngineMetricsServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EngineMetricsServer.name);
  private readonly registry = new Registry();
  private readonly port = engineMetricsSettings().ENGINE_METRICS_PORT;
  private server?: Server;

  constructor(
    metrics: MetricsService,
    private readonly config: ConfigService<Environment, true>,
  ) {
    registerProtocolGauges(this.registry, () => metrics.protocolFigures());
  }

  async onModuleInit(): Promise<void> {
    if (this.port === undefined) return;
    const server = createServer((req, res) => void this.answer(req.method, req.url, res));
    const host = this.config.get('HOST', { infer: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`engine gauges on http://${host}:${(server.address() as AddressInfo).port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private async answer(method: string | undefined, url: string | undefined, res: ServerResponse): Promise<void> {
    if (method !== 'GET' || (url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    try {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
    } catch (err) {
      this.logger.error(`engine gauges: ${(err as Error).message}`);
      res.writeHead(500, { 'content-type': 'text/plain' }).end('engine gauges unavailable\n');
    }
  }
}
