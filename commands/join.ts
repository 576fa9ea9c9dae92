/** `/join [channel]`: join the caller's voice channel (or the one named) and start listening. */
import { ChannelType, MessageFlags, SlashCommandBuilder, type GuildMember, type VoiceBasedChannel } from 'discord.js';
import { replyPrivately, requireGuild, type SlashCommand } from '../src/discord/command.ts';
import { InvalidInputError } from '../src/errors.ts';
import { LISTEN_MODE_WORDS } from '../src/vocabulary.ts';

export const join: SlashCommand = {
  name: 'join',
  definition: () =>
    new SlashCommandBuilder()
      .setName('join')
      .setDescription('Join a voice channel and talk with the people there')
      .setDMPermission(false)
      .addChannelOption((option) =>
        option
          .setName('channel')
          .setDescription('The voice channel (default: the one you are in)')
          .addChannelTypes(ChannelType.GuildVoice, ChannelType.GuildStageVoice),
      )
      .toJSON(),
  async execute(interaction, { voice, store }) {
    const guildId = requireGuild(interaction);
    const named = interaction.options.getChannel('channel');
    const channel = (named ?? (interaction.member as GuildMember | null)?.voice?.channel) as VoiceBasedChannel | null | undefined;
    if (!channel) throw new InvalidInputError('Join a voice channel first, or name one: /join channel:General');
    // Joining can take longer than Discord's 3 s answer window; the answer is for the caller only.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const result = await voice.join(channel);
    const { listen } = await store.settings.getGuildSettings(guildId);
    const how = `Listening to ${LISTEN_MODE_WORDS[listen.mode].whom}; /listen changes that, /voice set picks my voice.`;
    await replyPrivately(interaction, result === 'already-there' ? `I'm already in ${channel.name}. ${how}` : `Joined ${channel.name}. ${how}`);
  },
};
