/**
 * Per-person spending limits, shared by voice turns and chat requests: a daily token cap and a cooldown
 * between requests (server overrides, else the environment defaults), and the usage ledger they read.
 * Both hold across processes: today's tokens and last admissions live in the store. A voice turn decides
 * from memory (StoreCache) so it never waits on the database; chat requests, which can wait, are decided by
 * the database in one atomic statement.
 */
import type { VoiceSettings } from '../config/config.ts';
import type { OmniUsage } from '../omni/events.ts';
import type { StoreCache } from '../store/StoreCache.ts';
import { StoreError } from '../store/StoreError.ts';
import type { Admission } from '../store/usage.ts';

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

  /** undefined when `userId` may make a request now (and it is counted), else the polite reason why not. From memory. */
  admit(userId: string, guildId: string | null): string | undefined {
    const { cap, cooldownMs } = this.#limits(guildId);
    if (cap > 0 && this.#cache.tokensToday(userId, guildId) >= cap) return explain({ admitted: false, reason: 'cap' }, cap);
    const now = this.#now();
    const last = this.#cache.lastAdmission(userId);
    if (cooldownMs > 0 && last !== undefined && now - last < cooldownMs) {
      return explain({ admitted: false, reason: 'cooldown', waitMs: cooldownMs - (now - last) }, cap);
    }
    this.#cache.noteAdmission(userId, now);
    return undefined;
  }

  /**
   * The same decision made by the database in one statement, so two processes cannot both admit one person
   * inside a cooldown; from memory (`admit`) when the database does not answer.
   */
  async admitShared(userId: string, guildId: string | null): Promise<string | undefined> {
    const { cap, cooldownMs } = this.#limits(guildId);
    const nowMs = this.#now();
    let admission: Admission;
    try {
      admission = await this.#cache.store.usage.admit({ userId, guildId, cap, cooldownMs, nowMs });
    } catch (error) {
      if (error instanceof StoreError) return this.admit(userId, guildId);
      throw error;
    }
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
