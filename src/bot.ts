/** Wires the Discord client to the bot's services: opens the store, logs in, registers commands, routes interactions. */
import { DiscordjsErrorCodes, Events, type Client, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { commands as allCommands } from '../commands/index.ts';
import type { Config, DiscordSettings, OmniSettings } from './config/config.ts';
import { replyPrivately, type BotServices, type SlashCommand } from './discord/command.ts';
import { shapeProblem, shapeRefusal, unknownCommandProblem } from './discord/interactionShape.ts';
import { createDiscordClient } from './discord/createClient.ts';
import { registerCommands } from './discord/registerCommands.ts';
import { VoiceManager } from './discord/voice/VoiceManager.ts';
import { InProcessVoiceHost, type VoiceHost } from './discord/voice/VoiceHost.ts';
import { VoiceWorkerPool } from './voiceWorker/VoiceWorkerPool.ts';
import { onMessage } from './discord/chat/onMessage.ts';
import { DISCORD_CDN_HOSTS } from './media/download.ts';
import { BotError } from './errors.ts';
import type { Logger } from './log.ts';
import { OmniClient } from './omni/client.ts';
import type { DetectorSettings } from './receive/detector.ts';
import type { SpeechDetector } from './receive/SpeakerListener.ts';
import { CostControl } from './session/CostControl.ts';
import { type ServedMetrics, serveMetrics } from './metrics/serveMetrics.ts';
import { openStore, type Store } from './store/Store.ts';
import { StoreCache } from './store/StoreCache.ts';

export type BotConfig = Config & { readonly discord: DiscordSettings; readonly omni: OmniSettings };

export interface Bot {
  readonly client: Client;
  /** The guilds' voice conversations, once started. */
  readonly voice: VoiceManager | undefined;
  /** Where voice connections live: the main thread, or the voice worker pool (VOICE_WORKERS). */
  readonly voiceHost: VoiceHost;
  /** Opens the store, logs in, and resolves once the bot is ready and its commands are registered. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Port of the metrics endpoint, once started (METRICS_PORT set). */
  metricsPort(): number | undefined;
}

/** Discord refused the token: a settings problem, not a crash. */
export class InvalidDiscordTokenError extends BotError {}

export function createBot(config: BotConfig, log: Logger, createDetector: (settings: DetectorSettings) => SpeechDetector): Bot {
  const client = createDiscordClient(config.discord);
  const omni = new OmniClient({ apiKey: config.omni.apiKey, baseURL: config.omni.baseURL });
  // Each command with the definition it registers, which is also what every interaction is checked against.
  const byName = new Map<string, { command: SlashCommand; definition: RESTPostAPIChatInputApplicationCommandsJSONBody }>(
    allCommands.map((command) => [command.name, { command, definition: command.definition(config.omni.model) }]),
  );
  let services: BotServices | undefined;
  let store: Store | undefined;
  let served: ServedMetrics | undefined;
  let cache: StoreCache | undefined;
  const voiceHost: VoiceHost =
    config.voice.workers === 0
      ? new InProcessVoiceHost({
          createDetector: () => createDetector(config.voice),
          decryptionFailureTolerance: config.voice.decryptionFailureTolerance,
          speculationMs: config.voice.speculationMs,
        })
      : new VoiceWorkerPool({
          size: config.voice.workers,
          log,
          settings: {
            logLevel: config.logLevel,
            silenceMs: config.voice.silenceMs,
            maxUtteranceMs: config.voice.maxUtteranceMs,
            speculationMs: config.voice.speculationMs,
            decryptionFailureTolerance: config.voice.decryptionFailureTolerance,
            maxReplyMs: config.voice.maxReplyMs,
            nice: config.voice.workerNice,
            model: { apiKey: config.omni.apiKey, baseURL: config.omni.baseURL },
          },
        });

  client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand() || !services) return;
    const context = { command: interaction.commandName, guild: interaction.guildId };
    const refuse = (message: string): Promise<void> =>
      replyPrivately(interaction, message).catch((replyError: unknown) => log.warn({ err: replyError, ...context }, 'could not report a command error'));
    // A client with a stale copy of the commands can send what the bot no longer has: refuse it before any handler runs.
    const refuseShape = (problem: string): Promise<void> => {
      log.info({ ...context, problem }, 'command refused: does not match its definition');
      return refuse(shapeRefusal(problem));
    };
    const known = byName.get(interaction.commandName);
    if (!known) return refuseShape(unknownCommandProblem(interaction.commandName));
    const problem = shapeProblem(known.definition, interaction.options.data);
    if (problem !== undefined) return refuseShape(problem);
    const started = performance.now();
    try {
      await known.command.execute(interaction, services);
      log.info({ ...context, ms: Math.round(performance.now() - started) }, 'command done');
    } catch (error) {
      const expected = error instanceof BotError;
      log[expected ? 'info' : 'error']({ err: error, ...context }, 'command refused or failed');
      await refuse(expected ? error.userMessage : 'Something went wrong with that command. Please try again.');
    }
  });
  // Attachments come from Discord's CDN, or from the REST origin when one is configured (a proxy or simulator).
  const attachmentHosts = [...DISCORD_CDN_HOSTS, ...(config.discord.apiUrl ? [new URL(config.discord.apiUrl).origin] : [])];
  client.on(Events.MessageCreate, (message) => {
    if (services) void onMessage(message, services, client.user!.id);
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));

  return {
    client,
    metricsPort: () => served?.port,
    voiceHost,
    get voice() {
      return services?.voice;
    },
    async start() {
      store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      cache = new StoreCache(store, log);
      log.info({ engine: store.engine, store: store.location }, 'store open');
      if (config.metricsPort !== undefined) served = await serveMetrics(client, config.metricsPort, log);
      const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
      try {
        await client.login(config.discord.token);
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === DiscordjsErrorCodes.TokenInvalid) {
          throw new InvalidDiscordTokenError('Discord rejected the token', {
            userMessage: 'Discord rejected DISCORD_TOKEN. Reset it in the Discord Developer Portal > your application > Bot, and update .env.',
            cause: error,
          });
        }
        throw error;
      }
      const readyClient = await ready;
      const costs = new CostControl(cache, config.voice);
      const voice = new VoiceManager({ client: readyClient, config, omni, cache, costs, log, host: voiceHost });
      services = { config, model: config.omni.model, log, store, cache, omni, costs, voice, attachmentHosts };
      served?.watch(voice, voiceHost);
      const scope = await registerCommands(client.rest, readyClient.application.id, allCommands, config.omni.model, config.discord.devGuildId);
      log.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size, commands: allCommands.length, scope }, 'bot ready');
      await voice.rejoinRemembered();
    },
    async stop() {
      // Every channel left (op 4 sent on the gateway) before the workers and the gateway go.
      await services?.voice.leaveAll();
      await voiceHost.close();
      await client.destroy();
      await served?.close();
      await cache?.close();
      await store?.close();
    },
  };
}
