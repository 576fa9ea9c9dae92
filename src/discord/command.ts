/** The shape of a slash command module in `commands/`: its definition and its handler. */
import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log.ts';
import type { OmniModel } from '../omni/catalogue.ts';

/** What command handlers may use; grows with the bot's services, never a global. */
export interface BotServices {
  readonly config: Config;
  readonly model: OmniModel;
  readonly log: Logger;
}

export interface SlashCommand {
  readonly name: string;
  /** The definition sent to Discord; built from the model so choices follow its voice list. */
  definition(model: OmniModel): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void>;
}
