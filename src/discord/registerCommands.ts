/** Registers the slash commands: in the dev guild when one is set (instant), else globally. */
import { Routes, type REST } from 'discord.js';
import type { SlashCommand } from './command.ts';
import type { OmniModel } from '../omni/catalogue.ts';

/** Replaces the application's commands with `commands`; returns where they went. */
export async function registerCommands(
  rest: REST,
  applicationId: string,
  commands: readonly SlashCommand[],
  model: OmniModel,
  devGuildId: string | undefined,
): Promise<'guild' | 'global'> {
  const body = commands.map((command) => command.definition(model));
  if (devGuildId) {
    await rest.put(Routes.applicationGuildCommands(applicationId, devGuildId), { body });
    return 'guild';
  }
  await rest.put(Routes.applicationCommands(applicationId), { body });
  return 'global';
}
