/** `/voice set | list | preview`: choose the voice the bot answers in (per person, or the server's default). */
import { EmbedBuilder, MessageFlags, SlashCommandBuilder, type APIApplicationCommandOptionChoice } from 'discord.js';
import { optionalChoiceOf, replyPrivately, requireGuild, requireManageGuild, subcommandOf, type SlashCommand } from '../src/discord/command.ts';
import { InvalidInputError } from '../src/errors.ts';
import { findVoice, type OmniModel, type Voice } from '../src/omni/catalogue.ts';
import { plainChoices, SCOPES } from '../src/vocabulary.ts';

/** Discord allows at most 25 choices per option; every model in the catalogue fits. */
function voiceChoices(model: OmniModel): APIApplicationCommandOptionChoice<string>[] {
  return model.voices.slice(0, 25).map((voice) => ({ name: voice.label, value: voice.name }));
}

function voiceListEmbed(model: OmniModel): EmbedBuilder {
  return new EmbedBuilder()
    .setTitle(`Voices of ${model.id}`)
    .setDescription(model.voices.map((voice) => `**${voice.label}**: ${voice.description}`).join('\n'))
    .setFooter({ text: `Every voice speaks: ${model.voices[0]?.languages.join(', ') ?? ''}` });
}

export const voice: SlashCommand = {
  name: 'voice',
  definition: (model) =>
    new SlashCommandBuilder()
      .setName('voice')
      .setDescription('Choose the voice the bot answers you in')
      .addSubcommand((sub) =>
        sub
          .setName('set')
          .setDescription('Pick a voice for you, or the server default')
          .addStringOption((option) =>
            option
              .setName('voice')
              .setDescription('The voice')
              .setRequired(true)
              .addChoices(...voiceChoices(model)),
          )
          .addStringOption((option) =>
            option
              .setName('scope')
              .setDescription('Just you (default) or the whole server (Manage Server)')
              .addChoices(...plainChoices(SCOPES)),
          ),
      )
      .addSubcommand((sub) => sub.setName('list').setDescription('Show every voice with a short description'))
      .addSubcommand((sub) =>
        sub
          .setName('preview')
          .setDescription('Hear a voice in the voice channel')
          .addStringOption((option) =>
            option
              .setName('voice')
              .setDescription('The voice')
              .setRequired(true)
              .addChoices(...voiceChoices(model)),
          ),
      )
      .toJSON(),
  async execute(interaction, { model, store, voice: voices }) {
    const chosenVoice = (): Voice => {
      const chosen = findVoice(model, interaction.options.getString('voice', true));
      if (!chosen) throw new InvalidInputError(`That is not a voice of ${model.id}; /voice list shows them.`);
      return chosen;
    };
    const sub = subcommandOf(interaction, ['set', 'list', 'preview']);
    switch (sub) {
      case 'list':
        await interaction.reply({ embeds: [voiceListEmbed(model)], flags: MessageFlags.Ephemeral });
        return;
      case 'preview': {
        const chosen = chosenVoice();
        const guildId = requireGuild(interaction);
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await voices.preview(guildId, chosen.name, interaction.user.id);
        return replyPrivately(interaction, `That was ${chosen.label}. /voice set picks it.`);
      }
      case 'set': {
        const chosen = chosenVoice();
        if (optionalChoiceOf(interaction, 'scope', SCOPES) === 'server') {
          const guildId = requireGuild(interaction);
          requireManageGuild(interaction, "the server's voice");
          await store.settings.updateGuildSettings(guildId, { voice: chosen.name });
          return replyPrivately(interaction, `The server's default voice is now ${chosen.label}. People who picked their own keep it.`);
        }
        await store.settings.setUserVoice(interaction.user.id, chosen.name);
        return replyPrivately(interaction, `I'll answer you in ${chosen.label} from now on.`);
      }
      default:
        return sub satisfies never;
    }
  },
};
