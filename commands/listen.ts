/** `/listen <everyone | only-me | addressed>`: whom the bot answers in the voice channel. */
import { SlashCommandBuilder } from 'discord.js';
import { choiceOf, replyPrivately, requireGuild, requireListenerOrManager, type SlashCommand } from '../src/discord/command.ts';
import { LISTEN_MODE_WORDS, LISTEN_MODES } from '../src/vocabulary.ts';

export const listen: SlashCommand = {
  name: 'listen',
  definition: () =>
    new SlashCommandBuilder()
      .setName('listen')
      .setDescription('Choose whom the bot answers in the voice channel')
      .setDMPermission(false)
      .addStringOption((option) =>
        option
          .setName('mode')
          .setDescription('Whom to answer')
          .setRequired(true)
          .addChoices(...LISTEN_MODES.map((mode) => ({ name: LISTEN_MODE_WORDS[mode].choice, value: mode }))),
      )
      .toJSON(),
  async execute(interaction, services) {
    const guildId = requireGuild(interaction);
    requireListenerOrManager(interaction, services, 'whom I listen to');
    const mode = choiceOf(interaction, 'mode', LISTEN_MODES);
    await services.store.settings.updateGuildSettings(guildId, {
      listen: mode === 'only-me' ? { mode, userId: interaction.user.id } : { mode },
    });
    await replyPrivately(interaction, LISTEN_MODE_WORDS[mode].explanation);
  },
};
