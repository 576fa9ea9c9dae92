/** `/ask <question> [image] [thinking] [speak]`: a typed question, answered as streaming text (thinking mode on models that can). */
import { SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { interactionSink } from '../src/discord/chat/interactionSink.ts';
import { readPostedMedia } from '../src/discord/chat/postedMedia.ts';
import { respond } from '../src/discord/chat/respond.ts';

export const ask: SlashCommand = {
  name: 'ask',
  definition: (model) => {
    const builder = new SlashCommandBuilder()
      .setName('ask')
      .setDescription('Ask the model a question in text')
      .addStringOption((option) => option.setName('question').setDescription('Your question').setRequired(true).setMaxLength(4000))
      .addAttachmentOption((option) => option.setName('image').setDescription('An image (or a video or audio file) the question is about'));
    if (model.canThink) {
      builder.addBooleanOption((option) => option.setName('thinking').setDescription('Think step by step first (slower, text only)'));
    }
    builder.addBooleanOption((option) => option.setName('speak').setDescription('Also say the answer in your voice channel when I am there (default: yes)'));
    return builder.toJSON();
  },
  async execute(interaction, services) {
    await interaction.deferReply();
    const file = interaction.options.getAttachment('image');
    const media = file ? await readPostedMedia([file], services) : undefined;
    await respond(
      {
        userId: interaction.user.id,
        guildId: interaction.guildId,
        askerVoiceChannelId: interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId,
        text: interaction.options.getString('question', true),
        ...(media ? { media } : {}),
        thinking: services.model.canThink && (interaction.options.getBoolean('thinking') ?? false),
        speakInVoice: interaction.options.getBoolean('speak') ?? true,
        wantVoiceMessage: false,
      },
      interactionSink(interaction),
      services,
    );
  },
};
