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

/** Summed tokens by modality, and their grand total. */
export interface UsageTotals {
  readonly input: InputTokens;
  readonly output: OutputTokens;
  readonly total: number;
  /** Of `total`, the tokens of speculative requests that were dropped. */
  readonly speculativeWasted: number;
}

// The key column cannot hold NULL (every DM row would then be distinct), so DMs are stored under ''.
const DM = '';
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;
const COLUMNS = ['input_text', 'input_audio', 'input_image', 'input_video', 'output_text', 'output_audio', 'output_reasoning'] as const;
const TOTAL_SQL = COLUMNS.join(' + ');

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
  readonly #queries = new Map<string, StatementSync>();

  constructor(conn: Connection, now: () => Date) {
    this.#conn = conn;
    this.#now = now;
    this.#upsert = conn.db.prepare(
      `INSERT INTO usage_daily (user_id, guild_id, day, ${COLUMNS.join(', ')}, speculative_wasted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, guild_id, day) DO UPDATE SET ${[...COLUMNS, 'speculative_wasted'].map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
    this.#totalForDay = conn.db.prepare(`SELECT ${TOTAL_SQL} AS total FROM usage_daily WHERE user_id = ? AND guild_id = ? AND day = ?`);
  }

  /** The UTC day `daysAgo` days before today by the store's clock (0: today); for `since: ledger.day(29)`. */
  day(daysAgo = 0): string {
    return utcDay(new Date(this.#now().getTime() - daysAgo * MS_PER_DAY));
  }

  /** Adds one call's tokens to the row of (user, server, day). */
  recordUsage(record: UsageRecord): void {
    const day = record.day === undefined ? this.day() : checkDay(record.day);
    const { input, output } = record;
    const counts = [input.text, input.audio, input.image, input.video, output.text, output.audio, output.reasoning].map(checkCount);
    const wasted = record.speculative ? counts.reduce((sum, count) => sum + count, 0) : 0;
    this.#conn.run(() => this.#upsert.run(record.userId, record.guildId ?? DM, day, ...counts, wasted));
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
    if (query.day !== undefined && query.since !== undefined) throw new InvalidInputError('Ask for one day or a period since a day, not both.');
    const filters: string[] = [];
    const params: string[] = [];
    if (query.userId !== undefined) {
      filters.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.guildId !== undefined) {
      filters.push('guild_id = ?');
      params.push(query.guildId ?? DM);
    }
    if (query.day !== undefined) {
      filters.push('day = ?');
      params.push(checkDay(query.day));
    }
    if (query.since !== undefined) {
      filters.push('day >= ?');
      params.push(checkDay(query.since));
    }
    const row = this.#conn.run(() => this.#query(filters).get(...params) as Record<(typeof COLUMNS)[number] | 'speculative_wasted', number | null>);
    const sum = (column: (typeof COLUMNS)[number] | 'speculative_wasted'): number => row[column] ?? 0;
    const input = { text: sum('input_text'), audio: sum('input_audio'), image: sum('input_image'), video: sum('input_video') };
    const output = { text: sum('output_text'), audio: sum('output_audio'), reasoning: sum('output_reasoning') };
    const total = COLUMNS.reduce((acc, column) => acc + sum(column), 0);
    return { input, output, total, speculativeWasted: sum('speculative_wasted') };
  }

  // One cached statement per combination of filters (at most 12), each able to use an index.
  #query(filters: readonly string[]): StatementSync {
    const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
    let statement = this.#queries.get(where);
    if (!statement) {
      statement = this.#conn.db.prepare(`SELECT ${[...COLUMNS, 'speculative_wasted'].map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM usage_daily ${where}`);
      this.#queries.set(where, statement);
    }
    return statement;
  }
}

function checkDay(day: string): string {
  if (typeof day !== 'string' || !DAY_PATTERN.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new InvalidInputError(`"${String(day)}" is not a day; use YYYY-MM-DD.`);
  }
  return day;
}

function checkCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new InvalidInputError(`Token counts must be whole numbers of 0 or more, not ${String(count)}.`);
  return count;
}
