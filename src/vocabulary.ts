/**
 * The words people choose from and read back: listen modes, voice scopes, on/off. Commands, settings, the
 * session and the prompt all take them from here, so a new mode is added in one place (plus the store's
 * migration, whose CHECK constraint is history and stays as written).
 */

/** Whom the bot answers in a voice channel. */
export const LISTEN_MODES = ['everyone', 'only-me', 'addressed'] as const;
export type ListenMode = (typeof LISTEN_MODES)[number];

/** How each listen mode reads: as a command choice, as "listening to …", and as the answer to /listen. */
export const LISTEN_MODE_WORDS: Readonly<Record<ListenMode, { readonly choice: string; readonly whom: string; readonly explanation: string }>> = {
  everyone: { choice: 'everyone', whom: 'everyone', explanation: 'I answer everyone in the channel.' },
  'only-me': { choice: 'only me', whom: 'one person', explanation: 'I answer only you; others can talk freely.' },
  addressed: {
    choice: 'only when addressed by name',
    whom: 'people who address me by name',
    explanation: 'I answer only when someone speaks to me by name.',
  },
};

/** Whom a voice (or usage) setting is for: the caller, or the whole server. */
export const SCOPES = ['me', 'server'] as const;
export type Scope = (typeof SCOPES)[number];

/** Where a person's voice comes from, as /status shows it. */
export const VOICE_SOURCE_WORDS = { user: 'yours', guild: 'server default', fallback: 'bot default' } as const;

/** A switch option (/transcript, /describe-channel). */
export const ON_OFF = ['on', 'off'] as const;
export type OnOff = (typeof ON_OFF)[number];

/** A switch a server may also hand back to the bot's default (/limits speculation). */
export const ON_OFF_DEFAULT = ['on', 'off', 'default'] as const;
export type OnOffDefault = (typeof ON_OFF_DEFAULT)[number];
export const ON_OFF_DEFAULT_WORDS: Readonly<Record<OnOffDefault, string>> = { on: 'on', off: 'off', default: 'bot default' };

/** The choices of an option whose values are also their names. */
export function plainChoices<T extends string>(values: readonly T[]): Array<{ name: T; value: T }> {
  return values.map((value) => ({ name: value, value }));
}
