/** Wires the Discord client to the bot's services: opens the store, logs in, registers commands, routes interactions. */
import { DiscordjsErrorCodes, Events, MessageFlags, type ChatInputCommandInteraction, type Client } from 'discord.js';
import { commands as allCommands } from '../commands/index.ts';
import type { Config, DiscordSettings, OmniSettings } from './config/config.ts';
import type { BotServices, SlashCommand } from './discord/command.ts';
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
import type { SpeechDetector } from './receive/SpeakerListener.ts';
import { CostControl } from './session/CostControl.ts';
import { Store } from './store/Store.ts';

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
}

/** Discord refused the token: a settings problem, not a crash. */
export class InvalidDiscordTokenError extends BotError {}

async function replyWithError(interaction: ChatInputCommandInteraction, message: string): Promise<void> {
  const payload = { content: message, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
  if (interaction.deferred || interaction.replied) await interaction.editReply({ content: message, allowedMentions: { parse: [] } });
  else await interaction.reply(payload);
}

export function createBot(config: BotConfig, log: Logger, createDetector: (config: BotConfig) => SpeechDetector): Bot {
  const client = createDiscordClient(config.discord);
  const omni = new OmniClient({ apiKey: config.omni.apiKey, baseURL: config.omni.baseURL });
  const byName = new Map<string, SlashCommand>(allCommands.map((command) => [command.name, command]));
  let services: BotServices | undefined;
  let store: Store | undefined;
  const voiceHost: VoiceHost =
    config.voice.workers === 0
      ? new InProcessVoiceHost({ createDetector: () => createDetector(config), decryptionFailureTolerance: config.voice.decryptionFailureTolerance })
      : new VoiceWorkerPool({
          size: config.voice.workers,
          log,
          settings: {
            logLevel: config.logLevel,
            silenceMs: config.voice.silenceMs,
            maxUtteranceMs: config.voice.maxUtteranceMs,
            decryptionFailureTolerance: config.voice.decryptionFailureTolerance,
          },
        });

  client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand() || !services) return;
    const command = byName.get(interaction.commandName);
    if (!command) return;
    const started = performance.now();
    try {
      await command.execute(interaction, services);
      log.info({ command: interaction.commandName, guild: interaction.guildId, ms: Math.round(performance.now() - started) }, 'command done');
    } catch (error) {
      const expected = error instanceof BotError;
      const userMessage = expected ? error.userMessage : 'Something went wrong with that command. Please try again.';
      log[expected ? 'info' : 'error']({ err: error, command: interaction.commandName, guild: interaction.guildId }, 'command refused or failed');
      await replyWithError(interaction, userMessage).catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report a command error'));
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
    voiceHost,
    get voice() {
      return services?.voice;
    },
    async start() {
      store = Store.open(config.dataDir);
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
      const costs = new CostControl(store, config.voice);
      const voice = new VoiceManager({ client: readyClient, config, omni, store, costs, log, host: voiceHost });
      services = { config, model: config.omni.model, log, store, omni, costs, voice, attachmentHosts };
      const scope = await registerCommands(client.rest, readyClient.application.id, allCommands, config.omni.model, config.discord.devGuildId);
      log.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size, commands: allCommands.length, scope }, 'bot ready');
    },
    async stop() {
      // Every channel left (op 4 sent on the gateway) before the workers and the gateway go.
      await services?.voice.leaveAll();
      await voiceHost.close();
      await client.destroy();
      store?.close();
    },
  };
}
