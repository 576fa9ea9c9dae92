/**
 * The operator's HTTP endpoint on loopback-or-wherever the port is bound: `GET /metrics` in Prometheus'
 * text format, `GET /healthz` 200 while the gateway is ready and 503 otherwise (for a process supervisor
 * or a load balancer). Nothing else is served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotMetrics, GatewayHealth } from './BotMetrics.ts';

export class MetricsServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on `port` (0 = any free port) on `host`; resolves once listening. */
  static async listen(metrics: BotMetrics, gateway: GatewayHealth, port: number, host = '0.0.0.0'): Promise<MetricsServer> {
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          () => response.writeHead(500).end(),
        );
      } else if (path === '/healthz') {
        const ready = gateway.ready();
        response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ok' : 'gateway not ready' }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return new MetricsServer(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
