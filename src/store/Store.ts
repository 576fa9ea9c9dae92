/**
 * The store the bot uses: settings, the usage ledger and describe channels, on one of two engines behind
 * one async interface: embedded SQLite (`<dataDir>/bot.sqlite`, the default, one process) or PostgreSQL
 * (`DATABASE_URL`, shared by any number of processes and machines). Every write is atomic; failures are
 * StoreErrors, bad input InvalidInputErrors. The voice path reads through StoreCache, which answers
 * synchronously from memory; only a turn's admission asks the database, and its audio (not its start) waits.
 */
import type { DescribeChannels } from './describeChannels.ts';
import type { GuildSettings, GuildSettingsPatch, VoiceChoice } from './settings.ts';
import { SqliteStore, type StoreOptions } from './SqliteStore.ts';
import type { Admission, AdmissionRequest, UsageQuery, UsageRecord, UsageTotals } from './usage.ts';
import type { VoiceChannelRecord } from './voiceChannels.ts';

export interface SettingsStore {
  /** The user's own voice (it follows them across servers), or null. */
  getUserVoice(userId: string): Promise<string | null>;
  /** Sets the user's own voice; null forgets it. */
  setUserVoice(userId: string, voice: string | null): Promise<void>;
  /** The server's settings, with defaults for anything never set. */
  getGuildSettings(guildId: string): Promise<GuildSettings>;
  /** Applies `patch` to the server's settings atomically and returns the result; invalid input writes nothing. */
  updateGuildSettings(guildId: string, patch: GuildSettingsPatch): Promise<GuildSettings>;
  /** The voice chain: the user's own, else the server's, else `fallback`, skipping voices `isValid` rejects. */
  resolveVoice(userId: string, guildId: string | null, fallback: string, isValid: (voice: string) => boolean): Promise<VoiceChoice>;
}

export interface UsageStore {
  /** The UTC day `daysAgo` days before today by the store's clock (0: today). */
  day(daysAgo?: number): string;
  /** Adds one call's tokens to the row of (user, server, day). */
  recordUsage(record: UsageRecord): Promise<void>;
  /** Adds the call's tokens only if the day's total stays within `cap`, atomically; false: nothing written. */
  charge(record: UsageRecord, cap: number): Promise<boolean>;
  /** Checks the cap and the cooldown and records the admission, atomically. */
  admit(request: AdmissionRequest): Promise<Admission>;
  /** When the person was last admitted (ms since the epoch), by any process. */
  lastAdmission(userId: string): Promise<number | undefined>;
  /** Tokens of every modality the user spent today in this server (null: in DMs). */
  tokensToday(userId: string, guildId: string | null): Promise<number>;
  /** Totals by modality of the rows matching `query`. */
  usageFor(query: UsageQuery): Promise<UsageTotals>;
}

export interface DescribeChannelStore {
  has(guildId: string, channelId: string): Promise<boolean>;
  list(guildId: string): Promise<string[]>;
  /** Marks or unmarks a channel; false when marking would pass MAX_DESCRIBE_CHANNELS (nothing written). */
  set(guildId: string, channelId: string, on: boolean): Promise<boolean>;
}

/** The voice channel the bot is in, per server, to rejoin after a restart. */
export interface VoiceChannelStore {
  list(): Promise<VoiceChannelRecord[]>;
  /** The bot is in `channelId` in this server now; null: it left on purpose. */
  set(guildId: string, channelId: string | null): Promise<void>;
}

/** What a committed write changed, as told to every process's cache ('resync': changes may have been missed). */
export type StoreChange =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'guild'; readonly guildId: string }
  | { readonly kind: 'channels'; readonly guildId: string }
  | { readonly kind: 'usage'; readonly userId: string; readonly guildId: string | null; readonly day: string }
  | { readonly kind: 'admission'; readonly userId: string }
  | { readonly kind: 'resync' };

/** Whether the database answers; an engine reports each change of state once. */
export type StoreHealth = 'up' | 'down';

/** Synchronous reads, for an engine that can answer without waiting (SQLite, in-process: microseconds). */
export interface StorePeek {
  userVoice(userId: string): string | null;
  guildSettings(guildId: string): GuildSettings;
  tokensToday(userId: string, guildId: string | null): number;
  lastAdmission(userId: string): number | undefined;
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** Present when reads need not wait; StoreCache then reads through it instead of keeping copies. */
  readonly peek?: StorePeek;
  /** Where the data is, for logs: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  readonly settings: SettingsStore;
  readonly usage: UsageStore;
  readonly describeChannels: DescribeChannelStore;
  readonly voiceChannels: VoiceChannelStore;
  /**
   * Calls `listener` after committed changes: this process's settings and channel changes, and (PostgreSQL)
   * every change other processes make, usage and admissions included. Returns an unsubscribe.
   */
  onChange(listener: (change: StoreChange) => void): () => void;
  /** Calls `listener` when the database goes away or comes back; returns an unsubscribe. */
  onHealth(listener: (health: StoreHealth) => void): () => void;
  /** Closes connections; safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoreOptions extends StoreOptions {
  /** A postgres:// URL: use PostgreSQL. Unset: SQLite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
}

/** Opens (creating and migrating if needed) the configured engine; throws a StoreError when it cannot. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const { PostgresStore } = await import('./postgres/PostgresStore.ts');
    return PostgresStore.open(options.databaseUrl, options);
  }
  return sqliteAsStore(SqliteStore.open(options.dataDir, options));
}

/** The SQLite engine behind the async interface. It serves one process, so its changes are all its own. */
export function sqliteAsStore(sqlite: SqliteStore): Store {
  const listeners = new Set<(change: StoreChange) => void>();
  const tell = (change: StoreChange): void => {
    for (const listener of listeners) listener(change);
  };
  const { settings, usage } = sqlite;
  const channels: DescribeChannels = sqlite.describeChannels;
  return {
    engine: 'sqlite',
    location: sqlite.path,
    peek: {
      userVoice: (userId) => settings.getUserVoice(userId),
      guildSettings: (guildId) => settings.getGuildSettings(guildId),
      tokensToday: (userId, guildId) => usage.tokensToday(userId, guildId),
      lastAdmission: (userId) => usage.lastAdmission(userId),
    },
    settings: {
      getUserVoice: async (userId) => settings.getUserVoice(userId),
      setUserVoice: async (userId, voice) => {
        settings.setUserVoice(userId, voice);
        tell({ kind: 'user', userId });
      },
      getGuildSettings: async (guildId) => settings.getGuildSettings(guildId),
      updateGuildSettings: async (guildId, patch) => {
        const next = settings.updateGuildSettings(guildId, patch);
        tell({ kind: 'guild', guildId });
        return next;
      },
      resolveVoice: async (userId, guildId, fallback, isValid) => settings.resolveVoice(userId, guildId, fallback, isValid),
    },
    usage: {
      day: (daysAgo) => usage.day(daysAgo),
      recordUsage: async (record) => {
        usage.recordUsage(record);
        tell({ kind: 'usage', userId: record.userId, guildId: record.guildId, day: record.day ?? usage.day() });
      },
      charge: async (record, cap) => {
        const charged = usage.charge(record, cap);
        if (charged) tell({ kind: 'usage', userId: record.userId, guildId: record.guildId, day: record.day ?? usage.day() });
        return charged;
      },
      admit: async (request) => {
        const admission = usage.admit(request);
        if (admission.admitted) tell({ kind: 'admission', userId: request.userId });
        return admission;
      },
      lastAdmission: async (userId) => usage.lastAdmission(userId),
      tokensToday: async (userId, guildId) => usage.tokensToday(userId, guildId),
      usageFor: async (query) => usage.usageFor(query),
    },
    describeChannels: {
      has: async (guildId, channelId) => channels.has(guildId, channelId),
      list: async (guildId) => channels.list(guildId),
      set: async (guildId, channelId, on) => {
        const done = channels.set(guildId, channelId, on);
        if (done) tell({ kind: 'channels', guildId });
        return done;
      },
    },
    voiceChannels: {
      list: async () => sqlite.voiceChannels.list(),
      set: async (guildId, channelId) => sqlite.voiceChannels.set(guildId, channelId),
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // An open SQLite file does not go away; its failures are errors of the call that met them.
    onHealth: () => () => {},
    async close() {
      sqlite.close();
    },
  };
}
