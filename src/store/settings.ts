/** Per-user and per-server settings: voices, listen mode, transcript, persona, and per-server limits. */
import type { StatementSync } from 'node:sqlite';
import { InvalidInputError } from '../errors.ts';
import type { Connection } from './connection.ts';
import { COOLDOWN_MAX_SECONDS, PERSONA_MAX_LENGTH, VOICE_MAX_LENGTH } from './limits.ts';

import { LISTEN_MODES, type ListenMode } from '../vocabulary.ts';

export { LISTEN_MODES, type ListenMode };

/** The listen mode; "only-me" names the one person the bot listens to. */
export type ListenSetting = { readonly mode: Exclude<ListenMode, 'only-me'> } | { readonly mode: 'only-me'; readonly userId: string };

/** Whether to post a transcript, and where (null: the caller's default channel). */
export interface TranscriptSetting {
  readonly enabled: boolean;
  readonly channelId: string | null;
}

/** One server's settings; null limits mean "use the environment default". */
export interface GuildSettings {
  readonly voice: string | null;
  readonly listen: ListenSetting;
  readonly transcript: TranscriptSetting;
  readonly persona: string | null;
  readonly dailyTokenCap: number | null;
  readonly cooldownSeconds: number | null;
  /** Whether speculative requests may be sent here; null: the bot's default (SPECULATION_MS). */
  readonly speculation: boolean | null;
}

/** The fields to change; omitted fields keep their value, null resets one to its default. */
export interface GuildSettingsPatch {
  readonly voice?: string | null;
  readonly listen?: ListenSetting;
  /** Replaces the whole transcript setting; an omitted channelId means null. */
  readonly transcript?: { readonly enabled: boolean; readonly channelId?: string | null };
  readonly persona?: string | null;
  readonly dailyTokenCap?: number | null;
  readonly cooldownSeconds?: number | null;
  readonly speculation?: boolean | null;
}

/** Settings of a server that never changed any. */
export const DEFAULT_GUILD_SETTINGS: GuildSettings = Object.freeze({
  voice: null,
  listen: Object.freeze({ mode: 'everyone' }),
  transcript: Object.freeze({ enabled: false, channelId: null }),
  persona: null,
  dailyTokenCap: null,
  cooldownSeconds: null,
  speculation: null,
});

/** The voice to speak in, where it came from, and stored voices skipped because the model lacks them. */
export interface VoiceChoice {
  readonly voice: string;
  readonly source: 'user' | 'guild' | 'fallback';
  readonly unavailable: readonly { readonly source: 'user' | 'guild'; readonly voice: string }[];
}

/** A guild_settings row; SQLite's STRICT schema guarantees the types, PostgreSQL's rows are normalised to it. */
export interface GuildRow {
  voice: string | null;
  listen_mode: ListenMode;
  listen_user_id: string | null;
  transcript: 0 | 1;
  transcript_channel_id: string | null;
  persona: string | null;
  daily_token_cap: number | null;
  cooldown_seconds: number | null;
  speculation: 0 | 1 | null;
}

/** Settings in the store; every method is synchronous and every write atomic. */
export class Settings {
  readonly #conn: Connection;
  readonly #selectUserVoice: StatementSync;
  readonly #upsertUserVoice: StatementSync;
  readonly #deleteUserVoice: StatementSync;
  readonly #selectGuild: StatementSync;
  readonly #upsertGuild: StatementSync;
  readonly #selectVoices: StatementSync;

  constructor(conn: Connection) {
    this.#conn = conn;
    const db = conn.db;
    this.#selectUserVoice = db.prepare('SELECT voice FROM user_settings WHERE user_id = ?');
    this.#upsertUserVoice = db.prepare('INSERT INTO user_settings (user_id, voice) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET voice = excluded.voice');
    this.#deleteUserVoice = db.prepare('DELETE FROM user_settings WHERE user_id = ?');
    this.#selectGuild = db.prepare(
      `SELECT voice, listen_mode, listen_user_id, transcript, transcript_channel_id, persona, daily_token_cap, cooldown_seconds, speculation
       FROM guild_settings WHERE guild_id = ?`,
    );
    this.#upsertGuild = db.prepare(
      `INSERT INTO guild_settings
         (guild_id, voice, listen_mode, listen_user_id, transcript, transcript_channel_id, persona, daily_token_cap, cooldown_seconds, speculation)
       VALUES (:guild_id, :voice, :listen_mode, :listen_user_id, :transcript, :transcript_channel_id, :persona, :daily_token_cap, :cooldown_seconds, :speculation)
       ON CONFLICT (guild_id) DO UPDATE SET
         voice = excluded.voice, listen_mode = excluded.listen_mode, listen_user_id = excluded.listen_user_id,
         transcript = excluded.transcript, transcript_channel_id = excluded.transcript_channel_id, persona = excluded.persona,
         daily_token_cap = excluded.daily_token_cap, cooldown_seconds = excluded.cooldown_seconds, speculation = excluded.speculation`,
    );
    // One round trip for the hot path: every spoken reply resolves a voice.
    this.#selectVoices = db.prepare(
      `SELECT (SELECT voice FROM user_settings WHERE user_id = ?) AS user_voice,
              (SELECT voice FROM guild_settings WHERE guild_id = ?) AS guild_voice`,
    );
  }

  /** The user's own voice (it follows them across servers), or null. */
  getUserVoice(userId: string): string | null {
    return this.#conn.run(() => (this.#selectUserVoice.get(userId) as { voice: string | null } | undefined)?.voice ?? null);
  }

  /** Sets the user's own voice; null forgets it. */
  setUserVoice(userId: string, voice: string | null): void {
    const checked = voice === null ? null : checkVoice(voice);
    this.#conn.run(() => (checked === null ? this.#deleteUserVoice.run(userId) : this.#upsertUserVoice.run(userId, checked)));
  }

  /** The server's settings, with defaults for anything never set. */
  getGuildSettings(guildId: string): GuildSettings {
    return this.#conn.run(() => {
      const row = this.#selectGuild.get(guildId) as GuildRow | undefined;
      return row ? fromRow(row) : DEFAULT_GUILD_SETTINGS;
    });
  }

  /** Applies `patch` to the server's settings and returns the result; invalid input writes nothing. */
  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): GuildSettings {
    const changes = checkPatch(patch);
    return this.#conn.transaction(() => {
      const next: GuildSettings = { ...this.getGuildSettings(guildId), ...changes };
      this.#upsertGuild.run({ guild_id: guildId, ...toRow(next) });
      return next;
    });
  }

  /**
   * The voice to answer `userId` in: their own, else the server's, else `fallback`. A stored voice that
   * `isValid` rejects (the current model does not have it) is skipped and listed in `unavailable`.
   */
  resolveVoice(userId: string, guildId: string | null, fallback: string, isValid: (voice: string) => boolean): VoiceChoice {
    const row = this.#conn.run(() => this.#selectVoices.get(userId, guildId) as { user_voice: string | null; guild_voice: string | null });
    return chooseVoice(row.user_voice, row.guild_voice, fallback, isValid);
  }
}

/** The voice chain: the user's own, else the server's, else `fallback`; stored voices `isValid` rejects are skipped. */
export function chooseVoice(userVoice: string | null, guildVoice: string | null, fallback: string, isValid: (voice: string) => boolean): VoiceChoice {
  const unavailable: Array<{ source: 'user' | 'guild'; voice: string }> = [];
  for (const [source, voice] of [
    ['user', userVoice],
    ['guild', guildVoice],
  ] as const) {
    if (voice === null) continue;
    if (isValid(voice)) return { voice, source, unavailable };
    unavailable.push({ source, voice });
  }
  return { voice: fallback, source: 'fallback', unavailable };
}

export function fromRow(row: GuildRow): GuildSettings {
  return {
    voice: row.voice,
    listen: row.listen_mode === 'only-me' ? { mode: 'only-me', userId: row.listen_user_id ?? '' } : { mode: row.listen_mode },
    transcript: { enabled: row.transcript === 1, channelId: row.transcript_channel_id },
    persona: row.persona,
    dailyTokenCap: row.daily_token_cap,
    cooldownSeconds: row.cooldown_seconds,
    speculation: row.speculation === null ? null : row.speculation === 1,
  };
}

export function toRow(settings: GuildSettings): GuildRow {
  return {
    voice: settings.voice,
    listen_mode: settings.listen.mode,
    listen_user_id: settings.listen.mode === 'only-me' ? settings.listen.userId : null,
    transcript: settings.transcript.enabled ? 1 : 0,
    transcript_channel_id: settings.transcript.channelId,
    persona: settings.persona,
    daily_token_cap: settings.dailyTokenCap,
    cooldown_seconds: settings.cooldownSeconds,
    speculation: settings.speculation === null ? null : settings.speculation ? 1 : 0,
  };
}

// Patches may come straight from a command's options, so every field is checked at run time too.
export function checkPatch(patch: GuildSettingsPatch): Partial<GuildSettings> {
  const changes: { -readonly [K in keyof GuildSettings]?: GuildSettings[K] } = {};
  if (patch.voice !== undefined) changes.voice = patch.voice === null ? null : checkVoice(patch.voice);
  if (patch.listen !== undefined) changes.listen = checkListen(patch.listen);
  if (patch.transcript !== undefined) {
    const { enabled, channelId = null } = patch.transcript;
    if (typeof enabled !== 'boolean') throw new InvalidInputError('The transcript must be switched on or off.');
    if (channelId !== null && !isId(channelId)) throw new InvalidInputError('The transcript channel must be a text channel of this server.');
    changes.transcript = { enabled, channelId };
  }
  if (patch.persona !== undefined) changes.persona = patch.persona === null ? null : checkPersona(patch.persona);
  if (patch.dailyTokenCap !== undefined) {
    changes.dailyTokenCap = checkWhole(patch.dailyTokenCap, Number.MAX_SAFE_INTEGER, 'The daily token cap must be a whole number of 0 or more.');
  }
  if (patch.cooldownSeconds !== undefined) {
    changes.cooldownSeconds = checkWhole(
      patch.cooldownSeconds,
      COOLDOWN_MAX_SECONDS,
      `The cooldown must be a whole number of seconds from 0 to ${COOLDOWN_MAX_SECONDS}.`,
    );
  }
  if (patch.speculation !== undefined) {
    if (patch.speculation !== null && typeof patch.speculation !== 'boolean') throw new InvalidInputError('Speculative requests must be switched on or off.');
    changes.speculation = patch.speculation;
  }
  return changes;
}

export function checkVoice(voice: string): string {
  if (typeof voice !== 'string' || voice.trim() === '' || voice.length > VOICE_MAX_LENGTH) {
    throw new InvalidInputError(`A voice name must be 1 to ${VOICE_MAX_LENGTH} characters.`);
  }
  return voice.trim();
}

function checkListen(listen: ListenSetting): ListenSetting {
  const mode: unknown = listen?.mode;
  if (!LISTEN_MODES.includes(mode as ListenMode)) {
    throw new InvalidInputError(`The listen mode must be one of: ${LISTEN_MODES.join(', ')}.`);
  }
  if (listen.mode !== 'only-me') return { mode: listen.mode };
  if (!isId(listen.userId)) throw new InvalidInputError('"only-me" needs the person to listen to.');
  return { mode: 'only-me', userId: listen.userId };
}

function checkPersona(persona: string): string | null {
  if (typeof persona !== 'string') throw new InvalidInputError('The persona must be text.');
  const text = persona.trim();
  // Code points, like SQLite's length(): an emoji counts once.
  const length = [...text].length;
  if (length > PERSONA_MAX_LENGTH) {
    throw new InvalidInputError(`The persona is ${length} characters long; the limit is ${PERSONA_MAX_LENGTH}.`);
  }
  return text === '' ? null : text;
}

function checkWhole(value: number | null, max: number, message: string): number | null {
  if (value === null) return null;
  if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new InvalidInputError(message);
  return value;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= 64;
}
