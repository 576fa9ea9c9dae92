/** The discord.js client, pointed at Discord or at a REST proxy / simulator given by DISCORD_API_URL. */
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { DiscordSettings } from '../config/config.ts';

/** A client with the intents the bot needs (no privileged ones: mentions and DMs carry their content anyway). */
export function createDiscordClient(settings: DiscordSettings): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildVoiceStates,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.DirectMessages,
    ],
    partials: [Partials.Channel],
    // Spreading `api: undefined` would wipe discord.js's default, so the key is set only when configured.
    rest: settings.apiUrl ? { api: settings.apiUrl } : {},
  });
}
