/** `/limits [daily_tokens] [cooldown_seconds] [speculation]`: per-person cost control for this server (Manage Server). */
import { SlashCommandBuilder } from 'discord.js';
import { optionalChoiceOf, replyPrivately, requireGuild, requireManageGuild, type SlashCommand } from '../src/discord/command.ts';
import { COOLDOWN_MAX_SECONDS } from '../src/store/limits.ts';
import { ON_OFF_DEFAULT, ON_OFF_DEFAULT_WORDS } from '../src/vocabulary.ts';

export const limits: SlashCommand = {
  name: 'limits',
  definition: () =>
    new SlashCommandBuilder()
      .setName('limits')
      .setDescription('Per-person limits in this server (Manage Server); without options, shows them')
      .setDMPermission(false)
      .addIntegerOption((option) =>
        option.setName('daily_tokens').setDescription('Tokens one person may use per day (0 = no cap, -1 = bot default)').setMinValue(-1),
      )
      .addIntegerOption((option) =>
        option
          .setName('cooldown_seconds')
          .setDescription("Seconds between one person's requests (-1 = bot default)")
          .setMinValue(-1)
          .setMaxValue(COOLDOWN_MAX_SECONDS),
      )
      .addStringOption((option) =>
        option
          .setName('speculation')
          .setDescription('Send requests before a speaker has surely finished (faster, costs dropped requests)')
          .addChoices(...ON_OFF_DEFAULT.map((value) => ({ name: ON_OFF_DEFAULT_WORDS[value], value }))),
      )
      .toJSON(),
  async execute(interaction, { store, config }) {
    const guildId = requireGuild(interaction);
    const cap = interaction.options.getInteger('daily_tokens');
    const cooldown = interaction.options.getInteger('cooldown_seconds');
    const speculation = optionalChoiceOf(interaction, 'speculation', ON_OFF_DEFAULT);
    let settings = await store.settings.getGuildSettings(guildId);
    if (cap !== null || cooldown !== null || speculation !== null) {
      requireManageGuild(interaction, 'the limits');
      settings = await store.settings.updateGuildSettings(guildId, {
        ...(cap !== null ? { dailyTokenCap: cap < 0 ? null : cap } : {}),
        ...(cooldown !== null ? { cooldownSeconds: cooldown < 0 ? null : cooldown } : {}),
        ...(speculation !== null ? { speculation: speculation === 'default' ? null : speculation === 'on' } : {}),
      });
    }
    const speculating = config.voice.speculationMs > 0 && settings.speculation !== false;
    const speculationNote =
      config.voice.speculationMs === 0
        ? 'off for the whole bot (SPECULATION_MS)'
        : `${speculating ? 'on' : 'off'}${settings.speculation === null ? ' (bot default)' : ''}`;
    const effectiveCap = settings.dailyTokenCap ?? config.voice.dailyTokenCap;
    const effectiveCooldown = settings.cooldownSeconds ?? config.voice.userCooldownMs / 1000;
    await replyPrivately(
      interaction,
      `Daily cap per person: ${effectiveCap === 0 ? 'none' : `${effectiveCap.toLocaleString('en-US')} tokens`}${settings.dailyTokenCap === null ? ' (bot default)' : ''}. ` +
        `Cooldown: ${effectiveCooldown} s${settings.cooldownSeconds === null ? ' (bot default)' : ''}. ` +
        `Speculative requests: ${speculationNote}.`,
    );
  },
};
