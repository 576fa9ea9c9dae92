/** `/reset`: forget the voice conversation so far. */
import { SlashCommandBuilder } from 'discord.js';
import { replyPrivately, requireGuild, requireListenerOrManager, type SlashCommand } from '../src/discord/command.ts';

export const reset: SlashCommand = {
  name: 'reset',
  definition: () => new SlashCommandBuilder().setName('reset').setDescription('Forget the conversation so far').setDMPermission(false).toJSON(),
  async execute(interaction, services) {
    const conversation = services.voice.get(requireGuild(interaction));
    if (!conversation) return replyPrivately(interaction, "I'm not in a voice channel here, so there is nothing to forget.");
    requireListenerOrManager(interaction, services, 'the conversation');
    conversation.session.reset();
    await replyPrivately(interaction, 'Done: I have forgotten our conversation.');
  },
};
