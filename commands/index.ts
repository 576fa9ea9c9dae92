/** Every slash command the bot registers, in one typed list (checked at compile time, importable by tests). */
import type { SlashCommand } from '../src/discord/command.ts';
import { voice } from './voice.ts';

export const commands: readonly SlashCommand[] = [voice];
