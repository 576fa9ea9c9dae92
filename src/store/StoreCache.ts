/**
 * What a voice turn reads and writes, without ever waiting on the database: settings, voices, today's tokens
 * and last admissions answered synchronously, and ledger writes queued.
 *
 * - Reads: an engine that can answer synchronously (SQLite) is read directly. Otherwise (PostgreSQL) the
 *   last value read is served from memory; a key never read answers the default while it loads (`warm` loads
 *   ahead, e.g. when someone starts speaking). Every committed change, from this process or another, reloads
 *   the keys it touches (the store's onChange: NOTIFY for PostgreSQL), so changes apply within a second.
 * - Writes: usage records go into a queue written in order in the background. While the database is away the
 *   queue keeps them (merged per person, server and day, so it stays bounded) and retries every second; they
 *   are written when it comes back, and today's totals include them meanwhile.
 * - One log line when the database goes away, one when it comes back.
 */
import type { Logger } from '../log.ts';
import { DEFAULT_GUILD_SETTINGS, chooseVoice, type GuildSettings, type VoiceChoice } from './settings.ts';
import type { Store, StoreChange, StoreHealth } from './Store.ts';
import { COLUMNS, checkRecord, type UsageRecord } from './usage.ts';

export interface StoreCacheOptions {
  /** Most (person, server, day) rows kept unwritten; beyond it new records are dropped with an error log. */
  readonly maxPendingRows?: number;
  /** How long to wait before retrying failed ledger writes. */
  readonly retryMs?: number;
}

interface PendingRow {
  readonly userId: string;
  readonly guildId: string | null;
  readonly day: string;
  readonly counts: number[];
  /** Of the counts' sum, tokens of dropped speculative requests. */
  wasted: number;
}

interface TodayTokens {
  readonly day: string;
  tokens: number;
}

const DEFAULT_MAX_PENDING_ROWS = 100_000;
const DEFAULT_RETRY_MS = 1_000;

const usageKey = (userId: string, guildId: string | null): string => `${userId}\u0000${guildId ?? ''}`;
const rowKey = (row: Pick<PendingRow, 'userId' | 'guildId' | 'day'>): string => `${usageKey(row.userId, row.guildId)}\u0000${row.day}`;
const sum = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

export class StoreCache {
  readonly store: Store;
  readonly #log: Logger;
  readonly #maxPendingRows: number;
  readonly #retryMs: number;
  readonly #guilds = new Map<string, GuildSettings>();
  readonly #userVoices = new Map<string, string | null>();
  readonly #today = new Map<string, TodayTokens>();
  readonly #admissions = new Map<string, number>();
  /** Loads in flight by key, so a key is loaded once at a time and `settled` can wait for them. */
  readonly #loading = new Map<string, Promise<void>>();
  /** Unwritten usage, merged by row; the row being written is in #writing. */
  readonly #pending = new Map<string, PendingRow>();
  #writing: PendingRow | undefined;
  #flushing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #writesFailing = false;
  #databaseUp = true;
  #drainWaiters: Array<() => void> = [];
  readonly #unsubscribe: Array<() => void>;
  #closed = false;

  constructor(store: Store, log: Logger, options: StoreCacheOptions = {}) {
    this.store = store;
    this.#log = log;
    this.#maxPendingRows = options.maxPendingRows ?? DEFAULT_MAX_PENDING_ROWS;
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.#unsubscribe = [store.onChange((change) => this.#onChange(change)), store.onHealth((health) => this.#onHealth(health))];
  }

  /** The server's settings as last read (defaults until first loaded). */
  guildSettings(guildId: string): GuildSettings {
    if (this.store.peek) {
      return this.#peek(() => this.store.peek!.guildSettings(guildId), this.#guilds.get(guildId), guildId, this.#guilds) ?? DEFAULT_GUILD_SETTINGS;
    }
    const cached = this.#guilds.get(guildId);
    if (cached === undefined) this.#loadGuild(guildId);
    return cached ?? DEFAULT_GUILD_SETTINGS;
  }

  /** The person's own voice as last read (null until first loaded). */
  userVoice(userId: string): string | null {
    if (this.store.peek) return this.#peek(() => this.store.peek!.userVoice(userId), this.#userVoices.get(userId), userId, this.#userVoices) ?? null;
    if (!this.#userVoices.has(userId)) this.#loadUser(userId);
    return this.#userVoices.get(userId) ?? null;
  }

  /** The voice chain of Settings.resolveVoice, from memory. */
  resolveVoice(userId: string, guildId: string | null, fallback: string, isValid: (voice: string) => boolean): VoiceChoice {
    return chooseVoice(this.userVoice(userId), guildId === null ? null : this.guildSettings(guildId).voice, fallback, isValid);
  }

  /** Tokens the person spent today in this server (null: DMs), including usage not yet written. */
  tokensToday(userId: string, guildId: string | null): number {
    const key = usageKey(userId, guildId);
    const day = this.store.usage.day();
    if (this.store.peek) {
      const stored = this.#peek(() => this.store.peek!.tokensToday(userId, guildId), undefined, key, undefined) ?? 0;
      // A synchronous engine has the row being written already (or it failed and is queued again).
      return stored + this.#unwritten(userId, guildId, day, false);
    }
    const cached = this.#today.get(key);
    if (cached?.day === day) return cached.tokens;
    this.#loadTokens(userId, guildId);
    return this.#unwritten(userId, guildId, day);
  }

  /** When the person was last admitted (ms), by any process, as last heard. */
  lastAdmission(userId: string): number | undefined {
    if (this.store.peek) {
      // The later of the stored one and this process's own (whose write may have failed).
      const stored = this.#peek(() => this.store.peek!.lastAdmission(userId), undefined, userId, undefined);
      const own = this.#admissions.get(userId);
      return stored === undefined ? own : Math.max(stored, own ?? 0);
    }
    if (!this.#admissions.has(userId)) this.#loadAdmission(userId);
    return this.#admissions.get(userId);
  }

  /** Loads what a turn of `userId` in `guildId` will read, so the turn finds it in memory. */
  warm(userId: string | undefined, guildId: string | null): Promise<void> {
    if (this.store.peek) return Promise.resolve();
    if (guildId !== null && !this.#guilds.has(guildId)) this.#loadGuild(guildId);
    if (userId !== undefined) {
      if (!this.#userVoices.has(userId)) this.#loadUser(userId);
      if (this.#today.get(usageKey(userId, guildId))?.day !== this.store.usage.day()) this.#loadTokens(userId, guildId);
      if (!this.#admissions.has(userId)) this.#loadAdmission(userId);
    }
    return this.settled();
  }

  /** Resolves once no load is in flight. */
  async settled(): Promise<void> {
    while (this.#loading.size > 0) await Promise.all(this.#loading.values());
  }

  /** Records that `userId` was admitted at `nowMs`, here at once and in the store in the background. */
  noteAdmission(userId: string, nowMs: number): void {
    this.rememberAdmission(userId, nowMs);
    // cap 0 and cooldown 0: only moves the time forward. A failure only loses another process's view of a cooldown.
    this.store.usage.admit({ userId, guildId: null, cap: 0, cooldownMs: 0, nowMs }).catch((error: unknown) => {
      this.#log.debug({ err: error, user: userId }, 'could not record an admission');
    });
  }

  /** Remembers an admission the store already recorded. */
  rememberAdmission(userId: string, nowMs: number): void {
    this.#admissions.set(userId, Math.max(nowMs, this.#admissions.get(userId) ?? 0));
  }

  /** Queues one call's tokens for the ledger; throws only for invalid counts (InvalidInputError). */
  recordUsage(record: UsageRecord): void {
    const { day, counts, wasted } = checkRecord(record, this.store.usage.day());
    const row: PendingRow = { userId: record.userId, guildId: record.guildId, day, counts, wasted };
    const key = rowKey(row);
    const waiting = this.#pending.get(key);
    if (waiting) addInto(waiting, row);
    else if (this.#pending.size >= this.#maxPendingRows) {
      this.#log.error(
        { user: row.userId, guild: row.guildId, tokens: sum(counts) },
        'usage ledger buffer full while the database is away: a record was dropped',
      );
      return;
    } else this.#pending.set(key, row);
    const today = this.#today.get(usageKey(row.userId, row.guildId));
    if (today?.day === day) today.tokens += sum(counts);
    this.#flushSoon();
  }

  /** False from the moment the database is known to be away until it is back (PostgreSQL's health events). */
  get databaseUp(): boolean {
    return this.#databaseUp;
  }

  /** Usage records not yet in the database. */
  get unwrittenRows(): number {
    return this.#pending.size + (this.#writing ? 1 : 0);
  }

  /** Resolves when every queued usage record is written. */
  drained(): Promise<void> {
    if (this.unwrittenRows === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Stops listening and tries once more to write what is queued; logs what could not be. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    clearTimeout(this.#retryTimer);
    await this.#flushing;
    if (this.#pending.size > 0) await this.#flush();
    if (this.unwrittenRows > 0) this.#log.error({ rows: this.unwrittenRows }, 'usage not written to the ledger before shutdown (the database was away)');
  }

  // A synchronous engine read; if it fails (a locked SQLite file), the last value read, else the default.
  #peek<V>(read: () => V, last: V | undefined, key: string, keep: Map<string, V> | undefined): V | undefined {
    try {
      const value = read();
      keep?.set(key, value);
      return value;
    } catch (error) {
      this.#log.debug({ err: error }, 'store read failed; using the last value read');
      return last;
    }
  }

  #unwritten(userId: string, guildId: string | null, day: string, withWriting = true): number {
    const key = rowKey({ userId, guildId, day });
    const writing = withWriting && this.#writing && rowKey(this.#writing) === key ? sum(this.#writing.counts) : 0;
    return sum(this.#pending.get(key)?.counts ?? []) + writing;
  }

  #load(key: string, read: () => Promise<void>): void {
    if (this.#loading.has(key) || this.#closed) return;
    const loading = read()
      .catch((error: unknown) => this.#log.debug({ err: error, key }, 'store read failed; keeping the last value read'))
      .finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
  }

  #loadGuild(guildId: string): void {
    this.#load(`guild:${guildId}`, async () => void this.#guilds.set(guildId, await this.store.settings.getGuildSettings(guildId)));
  }

  #loadUser(userId: string): void {
    this.#load(`user:${userId}`, async () => void this.#userVoices.set(userId, await this.store.settings.getUserVoice(userId)));
  }

  #loadAdmission(userId: string): void {
    this.#load(`admission:${userId}`, async () => {
      const last = await this.store.usage.lastAdmission(userId);
      if (last !== undefined) this.#admissions.set(userId, Math.max(last, this.#admissions.get(userId) ?? 0));
      else if (!this.#admissions.has(userId)) this.#admissions.set(userId, 0);
    });
  }

  #loadTokens(userId: string, guildId: string | null): void {
    this.#load(`usage:${usageKey(userId, guildId)}`, async () => {
      const day = this.store.usage.day();
      const stored = await this.store.usage.tokensToday(userId, guildId);
      // Stored plus what this process has not written yet (a write in flight may be counted twice, briefly).
      this.#today.set(usageKey(userId, guildId), { day, tokens: stored + this.#unwritten(userId, guildId, day) });
    });
  }

  #onChange(change: StoreChange): void {
    if (this.store.peek) return;
    switch (change.kind) {
      case 'guild':
        if (this.#guilds.has(change.guildId)) this.#reload(`guild:${change.guildId}`, () => this.#loadGuild(change.guildId));
        return;
      case 'user':
        if (this.#userVoices.has(change.userId)) this.#reload(`user:${change.userId}`, () => this.#loadUser(change.userId));
        return;
      case 'usage':
        if (this.#today.has(usageKey(change.userId, change.guildId))) {
          this.#reload(`usage:${usageKey(change.userId, change.guildId)}`, () => this.#loadTokens(change.userId, change.guildId));
        }
        return;
      case 'admission':
        if (this.#admissions.has(change.userId)) this.#reload(`admission:${change.userId}`, () => this.#loadAdmission(change.userId));
        return;
      case 'channels':
        return;
      case 'resync':
        for (const guildId of this.#guilds.keys()) this.#reload(`guild:${guildId}`, () => this.#loadGuild(guildId));
        for (const userId of this.#userVoices.keys()) this.#reload(`user:${userId}`, () => this.#loadUser(userId));
        for (const userId of this.#admissions.keys()) this.#reload(`admission:${userId}`, () => this.#loadAdmission(userId));
        for (const key of this.#today.keys()) {
          const [userId, guildId] = key.split('\u0000') as [string, string];
          this.#reload(`usage:${key}`, () => this.#loadTokens(userId, guildId === '' ? null : guildId));
        }
        return;
    }
  }

  // A change heard while the same key is loading may not be in that load's answer: load again after it.
  #reload(key: string, load: () => void): void {
    const inFlight = this.#loading.get(key);
    if (inFlight) void inFlight.then(load);
    else load();
  }

  #onHealth(health: StoreHealth): void {
    this.#databaseUp = health === 'up';
    if (health === 'down') {
      this.#log.warn(
        { store: this.store.location },
        'database unavailable: voice goes on with the settings last read, usage is kept in memory until it is back',
      );
    } else {
      this.#log.info({ store: this.store.location, unwrittenRows: this.unwrittenRows }, 'database is back: writing the usage kept in memory');
      this.#flushSoon(0);
    }
  }

  #flushSoon(delayMs?: number): void {
    if (this.#closed || this.#flushing) return;
    if (delayMs === undefined) {
      if (this.#retryTimer) return; // already waiting to retry after a failure
      this.#flushing = this.#flush();
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#flushSoon();
    }, delayMs);
  }

  // Writes queued rows one at a time, oldest first; on a failure the row goes back and a retry is scheduled.
  async #flush(): Promise<void> {
    try {
      for (;;) {
        const next = this.#pending.entries().next();
        if (next.done) break;
        const [key, row] = next.value;
        this.#pending.delete(key);
        this.#writing = row;
        try {
          await this.store.usage.recordUsage({
            userId: row.userId,
            guildId: row.guildId,
            day: row.day,
            ...countsToTokens(row.counts),
            speculativeWasted: row.wasted,
          });
        } catch (error) {
          this.#writing = undefined;
          this.#requeue(key, row);
          if (!this.#writesFailing && this.store.engine === 'sqlite') {
            // PostgreSQL's outages are logged once by #onHealth; a SQLite failure has no health events.
            this.#log.warn({ err: error }, 'usage ledger writes failing: usage is kept in memory and retried');
          }
          this.#writesFailing = true;
          if (!this.#closed) {
            this.#retryTimer = setTimeout(() => {
              this.#retryTimer = undefined;
              this.#flushSoon();
            }, this.#retryMs);
          }
          return;
        }
        this.#writing = undefined;
      }
      if (this.#writesFailing && this.store.engine === 'sqlite') this.#log.info('usage ledger writes resumed');
      this.#writesFailing = false;
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    } finally {
      this.#flushing = undefined;
    }
  }

  #requeue(key: string, row: PendingRow): void {
    const newer = this.#pending.get(key);
    this.#pending.delete(key);
    if (newer) addInto(row, newer);
    // Back at the front, so rows keep their order.
    const rest = [...this.#pending];
    this.#pending.clear();
    this.#pending.set(key, row);
    for (const [k, v] of rest) this.#pending.set(k, v);
  }
}

function addInto(target: PendingRow, more: PendingRow): void {
  for (let i = 0; i < target.counts.length; i++) target.counts[i]! += more.counts[i]!;
  target.wasted += more.wasted;
}

function countsToTokens(counts: readonly number[]): Pick<UsageRecord, 'input' | 'output'> {
  const at = (column: (typeof COLUMNS)[number]): number => counts[COLUMNS.indexOf(column)]!;
  return {
    input: { text: at('input_text'), audio: at('input_audio'), image: at('input_image'), video: at('input_video') },
    output: { text: at('output_text'), audio: at('output_audio'), reasoning: at('output_reasoning') },
  };
}
