/** `/transcript <on | off>`: post each spoken reply as text in the voice channel's chat. */
import { SlashCommandBuilder } from 'discord.js';
import { choiceOf, replyPrivately, requireGuild, requireListenerOrManager, type SlashCommand } from '../src/discord/command.ts';
import { ON_OFF, plainChoices } from '../src/vocabulary.ts';

export const transcript: SlashCommand = {
  name: 'transcript',
  definition: () =>
    new SlashCommandBuilder()
      .setName('transcript')
      .setDescription("Post each spoken reply as text, for members who can't listen")
      .setDMPermission(false)
      .addStringOption((option) =>
        option
          .setName('state')
          .setDescription('on or off')
          .setRequired(true)
          .addChoices(...plainChoices(ON_OFF)),
      )
      .toJSON(),
  async execute(interaction, services) {
    const guildId = requireGuild(interaction);
    requireListenerOrManager(interaction, services, 'transcripts');
    const enabled = choiceOf(interaction, 'state', ON_OFF) === 'on';
    await services.store.settings.updateGuildSettings(guildId, { transcript: { enabled } });
    await replyPrivately(interaction, enabled ? "Transcripts on: I'll post what I say in the voice channel's chat." : 'Transcripts off.');
  },
};
