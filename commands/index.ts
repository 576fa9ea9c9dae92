/** Every slash command the bot registers, in one typed list (checked at compile time, importable by tests). */
import type { SlashCommand } from '../src/discord/command.ts';
import { ask } from './ask.ts';
import { describe } from './describe.ts';
import { describeChannel } from './describe-channel.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { limits } from './limits.ts';
import { listen } from './listen.ts';
import { persona } from './persona.ts';
import { reset } from './reset.ts';
import { status } from './status.ts';
import { transcript } from './transcript.ts';
import { usage } from './usage.ts';
import { voice } from './voice.ts';

export const commands: readonly SlashCommand[] = [
  join,
  leave,
  status,
  voice,
  listen,
  reset,
  transcript,
  persona,
  usage,
  limits,
  ask,
  describe,
  describeChannel,
];
