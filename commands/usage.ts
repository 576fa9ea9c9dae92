/** `/usage [scope]`: tokens used by modality, today and over 30 days, for you or the whole server. */
import { EmbedBuilder, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { optionalChoiceOf, requireManageGuild, type SlashCommand } from '../src/discord/command.ts';
import type { UsageTotals } from '../src/store/usage.ts';
import { plainChoices, SCOPES } from '../src/vocabulary.ts';

function describe(totals: UsageTotals): string {
  const { input, output } = totals;
  const n = (value: number): string => value.toLocaleString('en-US');
  return [
    `**${n(totals.total)}** tokens`,
    `in: text ${n(input.text)}, audio ${n(input.audio)}, image ${n(input.image)}, video ${n(input.video)}`,
    `out: text ${n(output.text)}, audio ${n(output.audio)}, reasoning ${n(output.reasoning)}`,
    `of which speculative requests dropped (the speaker went on): ${n(totals.speculativeWasted)}`,
  ].join('\n');
}

export const usage: SlashCommand = {
  name: 'usage',
  definition: () =>
    new SlashCommandBuilder()
      .setName('usage')
      .setDescription('Tokens used, by modality')
      .addStringOption((option) =>
        option
          .setName('scope')
          .setDescription('You (default) or the whole server (Manage Server)')
          .addChoices(...plainChoices(SCOPES)),
      )
      .toJSON(),
  async execute(interaction, { store }) {
    const serverWide = optionalChoiceOf(interaction, 'scope', SCOPES) === 'server';
    if (serverWide) requireManageGuild(interaction, 'server usage');
    const guildId = interaction.guildId;
    const who = serverWide ? { guildId } : { userId: interaction.user.id, ...(guildId ? { guildId } : {}) };
    const today = await store.usage.usageFor({ ...who, day: store.usage.day() });
    const month = await store.usage.usageFor({ ...who, since: store.usage.day(29) });
    const embed = new EmbedBuilder()
      .setTitle(serverWide ? 'Usage of this server' : 'Your usage here')
      .addFields({ name: 'Today (UTC)', value: describe(today) }, { name: 'Last 30 days', value: describe(month) });
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
  },
};
