/** `/voice list`: the voices of the configured model with what they sound like. */
import { EmbedBuilder, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import type { OmniModel } from '../src/omni/catalogue.ts';

function voiceListEmbed(model: OmniModel): EmbedBuilder {
  return new EmbedBuilder()
    .setTitle(`Voices of ${model.id}`)
    .setDescription(model.voices.map((voice) => `**${voice.label}**: ${voice.description}`).join('\n'))
    .setFooter({ text: `Languages: ${model.voices[0]?.languages.join(', ') ?? ''}` });
}

export const voice: SlashCommand = {
  name: 'voice',
  definition: () =>
    new SlashCommandBuilder()
      .setName('voice')
      .setDescription('Choose the voice the bot answers you in')
      .addSubcommand((sub) => sub.setName('list').setDescription('Show every voice with a short description'))
      .toJSON(),
  async execute(interaction, { model }) {
    if (interaction.options.getSubcommand() === 'list') {
      await interaction.reply({ embeds: [voiceListEmbed(model)], flags: MessageFlags.Ephemeral });
    }
  },
};
