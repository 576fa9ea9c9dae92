/** The shape of a slash command module in `commands/`, and the services handlers may use. */
import {
  MessageFlags,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
  type GuildMember,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config, OmniSettings } from '../config/config.ts';
import { BotError, InvalidInputError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { OmniModel } from '../omni/catalogue.ts';
import type { OmniClient } from '../omni/client.ts';
import type { CostControl } from '../session/CostControl.ts';
import type { Store } from '../store/Store.ts';
import type { StoreCache } from '../store/StoreCache.ts';
import type { VoiceManager } from './voice/VoiceManager.ts';

/** What command handlers may use; passed in, never a global. */
export interface BotServices {
  readonly config: Config & { omni: OmniSettings };
  readonly model: OmniModel;
  readonly log: Logger;
  /** The store, for commands (they may wait on it). */
  readonly store: Store;
  /** The same store answered from memory, for what must not wait (voice turns). */
  readonly cache: StoreCache;
  readonly omni: OmniClient;
  readonly costs: CostControl;
  readonly voice: VoiceManager;
  /** Where attachments may be downloaded from: Discord's CDN, plus the REST origin of a proxy or simulator. */
  readonly attachmentHosts: readonly string[];
}

export interface SlashCommand {
  readonly name: string;
  /** The definition sent to Discord; built from the model so choices follow its voice list. */
  definition(model: OmniModel): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void>;
}

/** Replies only the caller can see. */
export async function replyPrivately(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  const payload = { content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
  if (interaction.deferred || interaction.replied) await interaction.editReply({ content, allowedMentions: { parse: [] } });
  else await interaction.reply(payload);
}

/** The guild id, or a readable refusal for commands that only make sense in a server. */
export function requireGuild(interaction: ChatInputCommandInteraction): string {
  if (!interaction.inGuild()) throw new InvalidInputError('This command works in a server, not in DMs.');
  return interaction.guildId;
}

/** Refuses callers without Manage Server, for settings that change the bot for everyone. */
export function requireManageGuild(interaction: ChatInputCommandInteraction, what: string): void {
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    throw new BotError('missing Manage Server', { userMessage: `Changing ${what} needs the Manage Server permission.` });
  }
}

/** Allows people in the bot's voice channel, or server managers, to change how it listens there. */
export function requireListenerOrManager(interaction: ChatInputCommandInteraction, services: BotServices, what: string): void {
  const guildId = requireGuild(interaction);
  const botChannel = services.voice.get(guildId)?.voice.channelId;
  const callerChannel = (interaction.member as GuildMember | null)?.voice?.channelId;
  if (botChannel && callerChannel === botChannel) return;
  requireManageGuild(interaction, what);
}
