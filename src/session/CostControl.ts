/**
 * Per-person spending limits, shared by voice turns and chat requests: a daily token cap and a cooldown
 * between requests (server overrides, else the environment defaults), and the usage ledger they read.
 */
import type { VoiceSettings } from '../config/config.ts';
import type { OmniUsage } from '../omni/events.ts';
import type { Store } from '../store/Store.ts';

export class CostControl {
  readonly #store: Store;
  readonly #defaults: Pick<VoiceSettings, 'dailyTokenCap' | 'userCooldownMs'>;
  readonly #now: () => number;
  /** When each person last had a request admitted (ms); in memory, since a restart may forgive a cooldown. */
  readonly #lastAdmitted = new Map<string, number>();

  constructor(store: Store, defaults: Pick<VoiceSettings, 'dailyTokenCap' | 'userCooldownMs'>, now: () => number = Date.now) {
    this.#store = store;
    this.#defaults = defaults;
    this.#now = now;
  }

  /** undefined when `userId` may make a request now (and it is counted), else the polite reason why not. */
  admit(userId: string, guildId: string | null): string | undefined {
    const guild = guildId ? this.#store.settings.getGuildSettings(guildId) : undefined;
    const cap = guild?.dailyTokenCap ?? this.#defaults.dailyTokenCap;
    if (cap > 0 && this.#store.usage.tokensToday(userId, guildId) >= cap) {
      return `You have reached today's limit of ${cap.toLocaleString('en-US')} tokens here. It resets at midnight UTC.`;
    }
    const cooldownMs = guild?.cooldownSeconds != null ? guild.cooldownSeconds * 1000 : this.#defaults.userCooldownMs;
    const now = this.#now();
    const last = this.#lastAdmitted.get(userId);
    if (cooldownMs > 0 && last !== undefined && now - last < cooldownMs) {
      return `Please wait ${Math.ceil((cooldownMs - (now - last)) / 1000)} s before asking again.`;
    }
    this.#lastAdmitted.set(userId, now);
    return undefined;
  }

  /** Adds a reply's usage to the ledger, by modality; `speculative`: a dropped speculative request (waste). */
  record(userId: string, guildId: string | null, usage: OmniUsage, speculative = false): void {
    const { input, output } = usage;
    this.#store.usage.recordUsage({
      userId,
      guildId,
      speculative,
      input: { text: input.text, audio: input.audio, image: input.image, video: input.video },
      output: { text: output.text, audio: output.audio, reasoning: output.reasoning },
    });
  }
}
