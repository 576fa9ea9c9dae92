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

/**
 * Replies only the caller can see, whatever was sent before: after a public "thinking…" the placeholder is
 * removed and the message follows privately; after a public partial answer, the answer stays and this follows.
 */
export async function replyPrivately(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  const payload = { content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply(payload);
  } else if (interaction.ephemeral) {
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  } else {
    if (!interaction.replied) await interaction.deleteReply();
    await interaction.followUp(payload);
  }
}

/**
 * The subcommand the caller chose, as one of `names`. The routing already refused any other (see
 * interactionShape.ts); this makes each handler's dispatch exhaustive instead of "anything else means X".
 */
export function subcommandOf<const T extends string>(interaction: ChatInputCommandInteraction, names: readonly T[]): T {
  return oneOf(interaction.options.getSubcommand(true), names, 'subcommand');
}

/** A required string option restricted to `values` (its choices), typed as such. */
export function choiceOf<const T extends string>(interaction: ChatInputCommandInteraction, option: string, values: readonly T[]): T {
  return oneOf(interaction.options.getString(option, true), values, option);
}

/** An optional string option restricted to `values`, or null when not given. */
export function optionalChoiceOf<const T extends string>(interaction: ChatInputCommandInteraction, option: string, values: readonly T[]): T | null {
  const value = interaction.options.getString(option);
  return value === null ? null : oneOf(value, values, option);
}

function oneOf<T extends string>(value: string, values: readonly T[], what: string): T {
  if (!(values as readonly string[]).includes(value)) throw new InvalidInputError(`That ${what} is not one I know; reload Discord (Ctrl+R) and try again.`);
  return value as T;
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
