/** `/leave`: leave the voice channel. */
import { SlashCommandBuilder } from 'discord.js';
import { replyPrivately, requireGuild, type SlashCommand } from '../src/discord/command.ts';

export const leave: SlashCommand = {
  name: 'leave',
  definition: () => new SlashCommandBuilder().setName('leave').setDescription('Leave the voice channel').setDMPermission(false).toJSON(),
  async execute(interaction, { voice }) {
    const left = voice.leave(requireGuild(interaction));
    await replyPrivately(interaction, left ? 'Left the voice channel. Bye!' : "I'm not in a voice channel here.");
  },
};
