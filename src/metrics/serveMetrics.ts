/** Starts the metrics endpoint for this bot process and ties it to the Discord client and the voice manager. */
import { type Client, Status } from 'discord.js';
import type { VoiceHost } from '../discord/voice/VoiceHost.ts';
import type { VoiceManager } from '../discord/voice/VoiceManager.ts';
import type { Logger } from '../log.ts';
import { BotMetrics, type GatewayHealth } from './BotMetrics.ts';
import { MetricsServer } from './MetricsServer.ts';

export interface ServedMetrics {
  readonly metrics: BotMetrics;
  readonly port: number;
  /** Counts every voice conversation's turns from now on, and reports the voice threads' health. */
  watch(voice: VoiceManager, host: VoiceHost): void;
  close(): Promise<void>;
}

/**
 * Listens on `basePort` (+ the shard id in a sharded bot, so each shard process on a machine has its own
 * port). Started before login, so a supervisor sees 503 on /healthz until the gateway is ready.
 */
export async function serveMetrics(client: Client, basePort: number, log: Logger): Promise<ServedMetrics> {
  const shard = client.shard?.ids[0];
  const gateway: GatewayHealth = { ready: () => client.ws.status === Status.Ready, pingMs: () => client.ws.ping };
  let voice: VoiceManager | undefined;
  let voiceHost: VoiceHost | undefined;
  const metrics = new BotMetrics({
    ...(shard === undefined ? {} : { shard }),
    voiceGuilds: () => voice?.size ?? 0,
    gateway,
    voiceHealth: () => voiceHost?.health(),
  });
  const server = await MetricsServer.listen(metrics, gateway, basePort === 0 ? 0 : basePort + (shard ?? 0));
  log.info({ port: server.port }, 'metrics on /metrics, health on /healthz');
  return {
    metrics,
    port: server.port,
    watch(manager, host) {
      voice = manager;
      voiceHost = host;
      manager.onSession((_guildId, session) => session.on('turnDone', (outcome) => metrics.turnDone(outcome, session.recentTimings.at(-1))));
    },
    close: () => server.close(),
  };
}
