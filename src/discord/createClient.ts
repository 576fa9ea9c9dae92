/** The discord.js client, pointed at Discord or at a REST proxy / simulator given by DISCORD_API_URL. */
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { DiscordSettings } from '../config/config.ts';

/**
 * A client with the intents the bot needs. Mentions, replies and DMs carry their content anyway; only the
 * /describe-channel feature needs the privileged Message Content intent, so it is asked for only when enabled.
 */
export function createDiscordClient(settings: DiscordSettings): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildVoiceStates,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.DirectMessages,
      ...(settings.messageContent ? [GatewayIntentBits.MessageContent] : []),
    ],
    partials: [Partials.Channel],
    // Spreading `api: undefined` would wipe discord.js's default, so the key is set only when configured.
    rest: settings.apiUrl ? { api: settings.apiUrl } : {},
  });
}
