/**
 * Per-person spending limits, shared by voice turns and chat requests: a daily token cap and a cooldown
 * between requests (server overrides, else the environment defaults), and the usage ledger they read.
 * Both hold across processes: today's tokens and last admissions live in the store, and a request is admitted
 * by the database in one atomic statement (check and record together, never read-then-write). A voice turn
 * does not wait for it to start: memory (StoreCache) checks at once, the turn's request goes out, and its
 * audio plays once the database has confirmed (see VoiceSession). When the database does not answer, memory
 * decides, so conversations go on while it is away.
 *
 * SQLite goes through the statement too. It runs synchronously in this process when asked (about 15 µs
 * measured, the same as the background note of an admission it replaces), so the confirmation is there before
 * the request is even sent; and shard processes on one machine share the file, where memory's check and a
 * later note would be read-then-write.
 */
import type { VoiceSettings } from '../config/config.ts';
import type { OmniUsage } from '../omni/events.ts';
import type { StoreCache } from '../store/StoreCache.ts';
import { StoreError } from '../store/StoreError.ts';
import type { Admission } from '../store/usage.ts';

/**
 * How long a voice turn's audio may wait for the database's admission before memory's decision stands. The
 * statement takes a few milliseconds; a database that needs longer is treated as away for this turn.
 */
export const VOICE_ADMISSION_WAIT_MS = 1_000;

type Limits = Pick<VoiceSettings, 'dailyTokenCap' | 'userCooldownMs'>;

export class CostControl {
  readonly #cache: StoreCache;
  readonly #defaults: Limits;
  readonly #now: () => number;

  constructor(cache: StoreCache, defaults: Limits, now: () => number = Date.now) {
    this.#cache = cache;
    this.#defaults = defaults;
    this.#now = now;
  }

  /** undefined when `userId` may make a request now, else the polite reason why not. From memory; nothing is recorded. */
  check(userId: string, guildId: string | null): string | undefined {
    const { cap, cooldownMs } = this.#limits(guildId);
    if (cap > 0 && this.#cache.tokensToday(userId, guildId) >= cap) return explain({ admitted: false, reason: 'cap' }, cap);
    const now = this.#now();
    const last = this.#cache.lastAdmission(userId);
    if (cooldownMs > 0 && last !== undefined && now - last < cooldownMs) {
      return explain({ admitted: false, reason: 'cooldown', waitMs: cooldownMs - (now - last) }, cap);
    }
    return undefined;
  }

  /** `check`, and the admission counted (here at once, in the store in the background). From memory. */
  admit(userId: string, guildId: string | null): string | undefined {
    const refusal = this.check(userId, guildId);
    if (refusal === undefined) this.#cache.noteAdmission(userId, this.#now());
    return refusal;
  }

  /**
   * The same decision made by the database in one statement, so two processes cannot both admit one person
   * inside a cooldown or past a cap; from memory (`admit`) when the database does not answer: it is known to
   * be away, it fails, or it takes longer than `waitMs`.
   */
  async admitShared(userId: string, guildId: string | null, waitMs = Number.POSITIVE_INFINITY): Promise<string | undefined> {
    if (!this.#cache.databaseUp) return this.admit(userId, guildId);
    const { cap, cooldownMs } = this.#limits(guildId);
    const nowMs = this.#now();
    let admission: Admission | undefined;
    try {
      admission = await within(this.#cache.store.usage.admit({ userId, guildId, cap, cooldownMs, nowMs }), waitMs);
    } catch (error) {
      if (error instanceof StoreError) return this.admit(userId, guildId);
      throw error;
    }
    // Too slow: memory decides (and notes the admission later than the statement, which may still land).
    if (admission === undefined) return this.admit(userId, guildId);
    if (admission.admitted) this.#cache.rememberAdmission(userId, nowMs);
    return explain(admission, cap);
  }

  /**
   * Adds a reply's usage to the ledger, by modality (queued: written in the background, kept while the database
   * is away); `speculative`: a dropped speculative request (waste).
   */
  record(userId: string, guildId: string | null, usage: OmniUsage, speculative = false): void {
    const { input, output } = usage;
    this.#cache.recordUsage({
      userId,
      guildId,
      speculative,
      input: { text: input.text, audio: input.audio, image: input.image, video: input.video },
      output: { text: output.text, audio: output.audio, reasoning: output.reasoning },
    });
  }

  #limits(guildId: string | null): { cap: number; cooldownMs: number } {
    const guild = guildId ? this.#cache.guildSettings(guildId) : undefined;
    return {
      cap: guild?.dailyTokenCap ?? this.#defaults.dailyTokenCap,
      cooldownMs: guild?.cooldownSeconds != null ? guild.cooldownSeconds * 1000 : this.#defaults.userCooldownMs,
    };
  }
}

function explain(admission: Admission, cap: number): string | undefined {
  if (admission.admitted) return undefined;
  if (admission.reason === 'cap') return `You have reached today's limit of ${cap.toLocaleString('en-US')} tokens here. It resets at midnight UTC.`;
  return `Please wait ${Math.ceil(admission.waitMs / 1000)} s before asking again.`;
}

/** `promise`'s value, or undefined once `ms` have passed without one. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
