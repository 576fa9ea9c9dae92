/** Wires the Discord client to the bot's services: logs in, registers commands, routes interactions. */
import { DiscordjsErrorCodes, Events, MessageFlags, type ChatInputCommandInteraction, type Client } from 'discord.js';
import { commands as allCommands } from '../commands/index.ts';
import type { Config, DiscordSettings } from './config/config.ts';
import type { BotServices, SlashCommand } from './discord/command.ts';
import { createDiscordClient } from './discord/createClient.ts';
import { registerCommands } from './discord/registerCommands.ts';
import { BotError } from './errors.ts';
import type { Logger } from './log.ts';

export interface Bot {
  readonly client: Client;
  /** Logs in and resolves once the bot is ready and its commands are registered. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Discord refused the token: a settings problem, not a crash. */
export class InvalidDiscordTokenError extends BotError {}

async function replyWithError(interaction: ChatInputCommandInteraction, message: string): Promise<void> {
  const payload = { content: message, flags: MessageFlags.Ephemeral } as const;
  if (interaction.deferred || interaction.replied) await interaction.followUp(payload);
  else await interaction.reply(payload);
}

export function createBot(config: Config & { discord: DiscordSettings }, log: Logger): Bot {
  const model = config.omni?.model;
  if (!model) throw new Error('createBot needs the model settings');
  const client = createDiscordClient(config.discord);
  const services: BotServices = { config, model, log };
  const byName = new Map<string, SlashCommand>(allCommands.map((command) => [command.name, command]));

  client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const command = byName.get(interaction.commandName);
    if (!command) return;
    const started = performance.now();
    try {
      await command.execute(interaction, services);
      log.info({ command: interaction.commandName, guild: interaction.guildId, ms: Math.round(performance.now() - started) }, 'command done');
    } catch (error) {
      const userMessage = error instanceof BotError ? error.userMessage : 'Something went wrong with that command. Please try again.';
      log.error({ err: error, command: interaction.commandName, guild: interaction.guildId }, 'command failed');
      await replyWithError(interaction, userMessage).catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report a command error'));
    }
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));

  return {
    client,
    async start() {
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
      const scope = await registerCommands(client.rest, readyClient.application.id, allCommands, model, config.discord.devGuildId);
      log.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size, commands: allCommands.length, scope }, 'bot ready');
    },
    async stop() {
      await client.destroy();
    },
  };
}
