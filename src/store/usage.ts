/** The token ledger: tokens per user, server and UTC day, by modality, for caps and `/usage`. */
import type { StatementSync } from 'node:sqlite';
import { InvalidInputError } from '../errors.ts';
import type { Connection } from './connection.ts';

/** Prompt tokens by modality (an OmniUsage's `input` fits). */
export interface InputTokens {
  readonly text: number;
  readonly audio: number;
  readonly image: number;
  readonly video: number;
}

/** Reply tokens by modality (an OmniUsage's `output` fits). */
export interface OutputTokens {
  readonly text: number;
  readonly audio: number;
  readonly reasoning: number;
}

/** One model call's tokens to add to the ledger. */
export interface UsageRecord {
  readonly userId: string;
  /** null for a DM. */
  readonly guildId: string | null;
  /** UTC day `YYYY-MM-DD`; today by the store's clock when omitted. */
  readonly day?: string;
  readonly input: InputTokens;
  readonly output: OutputTokens;
  /** A speculative request that was dropped: its tokens count as usual and are also totalled as waste. */
  readonly speculative?: boolean;
  /** Of this record's tokens, how many were dropped speculative requests (records merged in a queue); overrides `speculative`. */
  readonly speculativeWasted?: number;
}

/** Which rows to total; omitted filters match everything. At most one of `day` and `since`. */
export interface UsageQuery {
  readonly userId?: string;
  /** A server, or null for DMs only. */
  readonly guildId?: string | null;
  /** Exactly this UTC day. */
  readonly day?: string;
  /** This UTC day and every later one. */
  readonly since?: string;
}

/**
 * One request asking to be admitted, checked and recorded in one atomic statement: refused when the person's
 * tokens today in this server (DMs: null) have reached `cap` (0: no cap), or their last admission anywhere is
 * less than `cooldownMs` before `nowMs`; otherwise `nowMs` becomes their last admission.
 */
export interface AdmissionRequest {
  readonly userId: string;
  readonly guildId: string | null;
  readonly cap: number;
  readonly cooldownMs: number;
  readonly nowMs: number;
}

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly reason: 'cap' }
  | { readonly admitted: false; readonly reason: 'cooldown'; readonly waitMs: number };

/** Summed tokens by modality, and their grand total. */
export interface UsageTotals {
  readonly input: InputTokens;
  readonly output: OutputTokens;
  readonly total: number;
  /** Of `total`, the tokens of speculative requests that were dropped. */
  readonly speculativeWasted: number;
}

// The key column cannot hold NULL (every DM row would then be distinct), so DMs are stored under ''.
export const DM = '';
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;
export const COLUMNS = ['input_text', 'input_audio', 'input_image', 'input_video', 'output_text', 'output_audio', 'output_reasoning'] as const;
export type Column = (typeof COLUMNS)[number];
/** An "of which" of the modality columns: tokens of dropped speculative requests (not added again to totals). */
export const WASTED_COLUMN = 'speculative_wasted';
/** Every column a usage write adds to: the modalities, then the waste. */
export const LEDGER_COLUMNS = [...COLUMNS, WASTED_COLUMN] as const;
/** The sum of every modality of a row, as SQL; `table.` qualifies the columns when given. */
export const totalSql = (table = ''): string => COLUMNS.map((c) => `${table}${c}`).join(' + ');
const TOTAL_SQL = totalSql();

/** The UTC day of `date` as `YYYY-MM-DD`, the ledger's day key. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The usage ledger in the store; writes accumulate, reads total. */
export class UsageLedger {
  readonly #conn: Connection;
  readonly #now: () => Date;
  readonly #upsert: StatementSync;
  readonly #totalForDay: StatementSync;
  readonly #charge: StatementSync;
  readonly #admit: StatementSync;
  readonly #lastAdmission: StatementSync;
  readonly #queries = new Map<string, StatementSync>();

  constructor(conn: Connection, now: () => Date) {
    this.#conn = conn;
    this.#now = now;
    this.#upsert = conn.db.prepare(
      `INSERT INTO usage_daily (user_id, guild_id, day, ${LEDGER_COLUMNS.join(', ')}) VALUES (?, ?, ?, ${LEDGER_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (user_id, guild_id, day) DO UPDATE SET ${LEDGER_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
    this.#totalForDay = conn.db.prepare(`SELECT ${TOTAL_SQL} AS total FROM usage_daily WHERE user_id = ? AND guild_id = ? AND day = ?`);
    this.#charge = conn.db.prepare(
      chargeSql(
        LEDGER_COLUMNS.map((c) => `:${c}`),
        ':user',
        ':guild',
        ':day',
        ':amount',
        ':cap',
      ),
    );
    this.#admit = conn.db.prepare(admitSql(':user', ':guild', ':day', ':now', ':cap', ':cooldown'));
    this.#lastAdmission = conn.db.prepare('SELECT admitted_ms FROM user_admissions WHERE user_id = ?');
  }

  /** The UTC day `daysAgo` days before today by the store's clock (0: today); for `since: ledger.day(29)`. */
  day(daysAgo = 0): string {
    return utcDay(new Date(this.#now().getTime() - daysAgo * MS_PER_DAY));
  }

  /** Adds one call's tokens to the row of (user, server, day). */
  recordUsage(record: UsageRecord): void {
    const { day, counts, wasted } = checkRecord(record, this.day());
    this.#conn.run(() => this.#upsert.run(record.userId, record.guildId ?? DM, day, ...counts, wasted));
  }

  /**
   * Adds the call's tokens only if the (user, server, day) total stays within `cap`, in one statement: true
   * when charged, false (nothing written) when it would pass the cap.
   */
  charge(record: UsageRecord, cap: number): boolean {
    const { day, counts, wasted } = checkRecord(record, this.day());
    const params = { user: record.userId, guild: record.guildId ?? DM, day, cap: checkCount(cap), amount: counts.reduce((a, b) => a + b, 0) };
    const values = Object.fromEntries(LEDGER_COLUMNS.map((column, i) => [column, [...counts, wasted][i]!]));
    return this.#conn.run(() => this.#charge.get({ ...params, ...values }) !== undefined);
  }

  /** Admits a request or says why not, atomically (see AdmissionRequest). */
  admit(request: AdmissionRequest): Admission {
    const params = admissionParams(request, this.day());
    return this.#conn.run(() => {
      if (this.#admit.get(params) !== undefined) return { admitted: true };
      // Only to word the refusal: the decision above was made in one statement.
      return refusal(request, this.tokensToday(request.userId, request.guildId), this.lastAdmission(request.userId));
    });
  }

  /** When the person was last admitted (ms since the epoch), by any process; undefined if never. */
  lastAdmission(userId: string): number | undefined {
    return this.#conn.run(() => (this.#lastAdmission.get(userId) as { admitted_ms: number } | undefined)?.admitted_ms);
  }

  /** Tokens of every modality the user spent today in this server (null: in DMs), for the daily cap. */
  tokensToday(userId: string, guildId: string | null): number {
    return this.#conn.run(() => {
      const row = this.#totalForDay.get(userId, guildId ?? DM, this.day()) as { total: number } | undefined;
      return row?.total ?? 0;
    });
  }

  /** Totals by modality of the rows matching `query`. */
  usageFor(query: UsageQuery): UsageTotals {
    const { filters, params } = usageFilters(query, () => '?');
    const row = this.#conn.run(() => this.#query(filters).get(...params) as Record<(typeof LEDGER_COLUMNS)[number], number | null>);
    return totalsFrom(row);
  }

  // One cached statement per combination of filters (at most 12), each able to use an index.
  #query(filters: readonly string[]): StatementSync {
    const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
    let statement = this.#queries.get(where);
    if (!statement) {
      statement = this.#conn.db.prepare(`SELECT ${SUMS_SQL} FROM usage_daily ${where}`);
      this.#queries.set(where, statement);
    }
    return statement;
  }
}

/** The select list that totals each modality of the matching rows. */
export const SUMS_SQL = LEDGER_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ');

/** WHERE terms and their values for a query; `placeholder(n)` writes the engine's n-th parameter (1-based). */
export function usageFilters(query: UsageQuery, placeholder: (n: number) => string): { filters: string[]; params: string[] } {
  if (query.day !== undefined && query.since !== undefined) throw new InvalidInputError('Ask for one day or a period since a day, not both.');
  const filters: string[] = [];
  const params: string[] = [];
  const add = (sql: string, value: string): void => {
    params.push(value);
    filters.push(`${sql} ${placeholder(params.length)}`);
  };
  if (query.userId !== undefined) add('user_id =', query.userId);
  if (query.guildId !== undefined) add('guild_id =', query.guildId ?? DM);
  if (query.day !== undefined) add('day =', checkDay(query.day));
  if (query.since !== undefined) add('day >=', checkDay(query.since));
  return { filters, params };
}

/** Totals from a row of sums (null or absent: nothing recorded; bigint strings from PostgreSQL are numbers here). */
export function totalsFrom(row: Partial<Record<(typeof LEDGER_COLUMNS)[number], number | string | null>>): UsageTotals {
  const sum = (column: (typeof LEDGER_COLUMNS)[number]): number => Number(row[column] ?? 0);
  const input = { text: sum('input_text'), audio: sum('input_audio'), image: sum('input_image'), video: sum('input_video') };
  const output = { text: sum('output_text'), audio: sum('output_audio'), reasoning: sum('output_reasoning') };
  const total = COLUMNS.reduce((acc, column) => acc + sum(column), 0);
  return { input, output, total, speculativeWasted: sum(WASTED_COLUMN) };
}

/** The record's day (today when omitted), its counts in COLUMNS order and its speculative waste, all checked. */
export function checkRecord(record: UsageRecord, today: string): { day: string; counts: number[]; wasted: number } {
  const day = record.day === undefined ? today : checkDay(record.day);
  const { input, output } = record;
  const counts = [input.text, input.audio, input.image, input.video, output.text, output.audio, output.reasoning].map(checkCount);
  const total = counts.reduce((a, b) => a + b, 0);
  const wasted = record.speculativeWasted !== undefined ? checkCount(record.speculativeWasted) : record.speculative ? total : 0;
  if (wasted > total) throw new InvalidInputError(`Speculative waste (${wasted}) cannot exceed the record's tokens (${total}).`);
  return { day, counts, wasted };
}

/**
 * Charge-within-cap as one statement, for both engines (their upserts share a syntax). A first row is inserted
 * only if the amount fits; an existing row (locked by the upsert, so concurrent charges queue) is added to only
 * if its total plus the amount fits. A row comes back when charged.
 */
// `values`: one placeholder per LEDGER_COLUMNS entry, in that order.
export function chargeSql(values: readonly string[], user: string, guild: string, day: string, amount: string, cap: string): string {
  return `INSERT INTO usage_daily (user_id, guild_id, day, ${LEDGER_COLUMNS.join(', ')})
    SELECT ${user}, ${guild}, ${day}, ${values.join(', ')} WHERE ${amount} <= ${cap}
    ON CONFLICT (user_id, guild_id, day) DO UPDATE SET ${LEDGER_COLUMNS.map((c) => `${c} = usage_daily.${c} + excluded.${c}`).join(', ')}
    WHERE ${totalSql('usage_daily.')} + ${amount} <= ${cap}
    RETURNING 1 AS charged`;
}

/**
 * Admission as one statement, for both engines: the cap is checked against today's row, and the admission time
 * is written only where the last one is at least the cooldown old (on an existing row, which the upsert locks).
 */
export function admitSql(user: string, guild: string, day: string, now: string, cap: string, cooldown: string): string {
  return `INSERT INTO user_admissions (user_id, admitted_ms)
    SELECT ${user}, ${now}
    WHERE ${cap} <= 0 OR coalesce((SELECT ${TOTAL_SQL} FROM usage_daily WHERE user_id = ${user} AND guild_id = ${guild} AND day = ${day}), 0) < ${cap}
    ON CONFLICT (user_id) DO UPDATE SET admitted_ms = excluded.admitted_ms
    WHERE user_admissions.admitted_ms <= excluded.admitted_ms - ${cooldown}
    RETURNING admitted_ms`;
}

/** Named parameters of admitSql, checked. */
export function admissionParams(request: AdmissionRequest, today: string): Record<string, string | number> {
  return {
    user: request.userId,
    guild: request.guildId ?? DM,
    day: today,
    now: checkCount(request.nowMs),
    cap: checkCount(request.cap),
    cooldown: checkCount(request.cooldownMs),
  };
}

/** Why a request was refused, from the state just after the refusal. */
export function refusal(request: AdmissionRequest, tokensToday: number, lastAdmission: number | undefined): Admission {
  if (request.cap > 0 && tokensToday >= request.cap) return { admitted: false, reason: 'cap' };
  const waitMs = lastAdmission === undefined ? 0 : Math.max(0, lastAdmission + request.cooldownMs - request.nowMs);
  return { admitted: false, reason: 'cooldown', waitMs };
}

export function checkDay(day: string): string {
  if (typeof day !== 'string' || !DAY_PATTERN.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new InvalidInputError(`"${String(day)}" is not a day; use YYYY-MM-DD.`);
  }
  return day;
}

export function checkCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidInputError(`Token counts must be whole numbers of 0 or more, not ${String(count)}.`);
  return count;
}
