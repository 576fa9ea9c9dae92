/**
 * `/describe <file> [file2..file10] [question] [speak] [as-sequence]`: describes images, a video or an audio
 * file; with as-sequence, several images are sent as the frames of one video.
 */
import { SlashCommandBuilder, type Attachment } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { interactionSink } from '../src/discord/chat/interactionSink.ts';
import { defaultQuestion, readPostedFiles } from '../src/discord/chat/postedMedia.ts';
import { respond } from '../src/discord/chat/respond.ts';

/** Discord lets a message carry ten files; the command takes as many. */
const EXTRA_FILES = Array.from({ length: 9 }, (_, i) => `file${i + 2}`);

export const describe: SlashCommand = {
  name: 'describe',
  definition: (model) => {
    const builder = new SlashCommandBuilder()
      .setName('describe')
      .setDescription('Describe an image, a video or an audio file')
      .addAttachmentOption((option) => option.setName('file').setDescription('The image, video or audio file').setRequired(true))
      .addStringOption((option) => option.setName('question').setDescription('What you want to know (default: a description)').setMaxLength(4000))
      .addBooleanOption((option) => option.setName('speak').setDescription('Also say the answer in your voice channel when I am there (default: yes)'))
      .addBooleanOption((option) =>
        option
          .setName('as-sequence')
          .setDescription(`Send the images as frames of one video (${model.media.videoMinFrames} to ${model.media.videoMaxFrames} images)`),
      );
    for (const name of EXTRA_FILES) builder.addAttachmentOption((option) => option.setName(name).setDescription('Another image'));
    return builder.toJSON();
  },
  async execute(interaction, services) {
    await interaction.deferReply();
    const files = [interaction.options.getAttachment('file', true), ...EXTRA_FILES.map((name) => interaction.options.getAttachment(name))].filter(
      (file): file is Attachment => file !== null,
    );
    // Every file's problem is said; the good ones are described when they still go together.
    const { media, leftOut } = await readPostedFiles(files, services, { asSequence: interaction.options.getBoolean('as-sequence') ?? false });
    await respond(
      {
        userId: interaction.user.id,
        guildId: interaction.guildId,
        askerVoiceChannelId: interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId,
        text: interaction.options.getString('question') ?? defaultQuestion(media, interaction.user.displayName),
        media,
        notes: leftOut,
        speakInVoice: interaction.options.getBoolean('speak') ?? true,
        wantVoiceMessage: false,
      },
      interactionSink(interaction),
      services,
    );
  },
};
