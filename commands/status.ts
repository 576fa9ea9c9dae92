/** `/status`: where the bot is, whom it listens to, in which voice, what is queued, how fast it answered. */
import { EmbedBuilder, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { requireGuild, type SlashCommand } from '../src/discord/command.ts';
import { findVoice } from '../src/omni/catalogue.ts';

const MODE_LABELS = { everyone: 'everyone', 'only-me': 'one person', addressed: 'only when addressed by name' } as const;

export const status: SlashCommand = {
  name: 'status',
  definition: () => new SlashCommandBuilder().setName('status').setDescription('What the bot is doing here').setDMPermission(false).toJSON(),
  async execute(interaction, { store, voice, config, model }) {
    const guildId = requireGuild(interaction);
    const settings = store.settings.getGuildSettings(guildId);
    const yourVoice = store.settings.resolveVoice(interaction.user.id, guildId, config.omni.defaultVoice, (name) => findVoice(model, name) !== undefined);
    const conversation = voice.get(guildId);
    const timings = conversation?.session.recentTimings ?? [];
    const latency = timings
      .map((t) => (t.toPlaybackMs === undefined ? undefined : `${Math.round(t.toPlaybackMs)} ms`))
      .filter((text): text is string => text !== undefined);
    const listen = settings.listen.mode === 'only-me' ? `only <@${settings.listen.userId}>` : MODE_LABELS[settings.listen.mode];
    const embed = new EmbedBuilder().setTitle('Voice status').addFields(
      {
        name: 'Channel',
        value: conversation?.voice.channelId ? `<#${conversation.voice.channelId}> (${conversation.session.state.status})` : 'not in a voice channel',
        inline: true,
      },
      {
        name: 'Voice thread',
        value: conversation ? (conversation.voice.workerId === undefined ? 'main thread' : `voice worker ${conversation.voice.workerId}`) : '-',
        inline: true,
      },
      { name: 'Listening to', value: listen, inline: true },
      {
        name: 'Your voice',
        value: `${yourVoice.voice} (${yourVoice.source === 'user' ? 'yours' : yourVoice.source === 'guild' ? 'server default' : 'bot default'})`,
        inline: true,
      },
      { name: 'Queue', value: conversation ? `${conversation.session.queue.length} waiting` : '-', inline: true },
      { name: 'Transcript', value: settings.transcript.enabled ? 'on' : 'off', inline: true },
      { name: 'Reply latency (end of speech to voice, last turns)', value: latency.length > 0 ? latency.join(', ') : 'no turns yet' },
    );
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
