/** `/describe-channel <on | off> [channel]`: describe every file posted in a channel, without a mention (Manage Server). */
import { ChannelType, SlashCommandBuilder } from 'discord.js';
import { choiceOf, replyPrivately, requireGuild, requireManageGuild, type SlashCommand } from '../src/discord/command.ts';
import { ON_OFF, plainChoices } from '../src/vocabulary.ts';
import { InvalidInputError } from '../src/errors.ts';
import { MAX_DESCRIBE_CHANNELS } from '../src/store/describeChannels.ts';

export const describeChannel: SlashCommand = {
  name: 'describe-channel',
  definition: () =>
    new SlashCommandBuilder()
      .setName('describe-channel')
      .setDescription('Describe every image, video or audio file posted in a channel, without a mention')
      .setDMPermission(false)
      .addStringOption((option) =>
        option
          .setName('state')
          .setDescription('on or off')
          .setRequired(true)
          .addChoices(...plainChoices(ON_OFF)),
      )
      .addChannelOption((option) =>
        option.setName('channel').setDescription('The channel (default: this one)').addChannelTypes(ChannelType.GuildText, ChannelType.GuildVoice),
      )
      .toJSON(),
  async execute(interaction, { store, config }) {
    const guildId = requireGuild(interaction);
    requireManageGuild(interaction, 'describe channels');
    const on = choiceOf(interaction, 'state', ON_OFF) === 'on';
    // Without the intent Discord blanks the files of messages that do not mention the bot.
    if (on && !config.discord?.messageContent) {
      throw new InvalidInputError(
        "I can't see files posted without a mention: the bot's owner must enable the Message Content intent in the Developer Portal and set DISCORD_MESSAGE_CONTENT=on.",
      );
    }
    const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
    if (!(await store.describeChannels.set(guildId, channelId, on))) {
      throw new InvalidInputError(`A server can have at most ${MAX_DESCRIBE_CHANNELS} describe channels; turn one off first.`);
    }
    await replyPrivately(
      interaction,
      on ? `I'll describe every image, video and audio file posted in <#${channelId}>.` : `I'll only answer in <#${channelId}> when mentioned.`,
    );
  },
};
