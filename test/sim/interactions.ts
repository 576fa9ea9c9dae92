/** Interactions the simulator dispatched, and what the bot answered to each (callbacks, edits, follow-ups). */
import { FLAG_EPHEMERAL, FLAG_LOADING } from './messages.ts';
import type { BotMessage, MessageStore } from './messages.ts';
import { withTimeout } from './waiters.ts';

/** Discord's window for the first response (then 10062 Unknown interaction). */
export const ACK_WINDOW_MS = 3_000;
/** Interaction tokens (edits, follow-ups) stay valid this long. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;

/** Callback types the simulator accepts. */
export const CALLBACK = { reply: 4, deferReply: 5, deferUpdate: 6, update: 7 } as const;

/** One thing the bot did with an interaction, in order. */
export interface InteractionEvent {
  readonly kind: 'reply' | 'defer' | 'deferUpdate' | 'update' | 'edit' | 'followUp' | 'delete';
  /** Simulator clock (ms). */
  readonly at: number;
  readonly messageId: string | null;
}

/** A dispatched interaction as the simulator tracks it. */
export class SimInteraction {
  readonly id: string;
  readonly token: string;
  /** Full command name, e.g. `join` or `voice set`. */
  readonly commandName: string;
  /** 2 = application command, 3 = message component. */
  readonly type: number;
  readonly userId: string;
  readonly guildId: string;
  readonly channelId: string;
  /** Simulator clock (ms) when it was dispatched. */
  readonly createdAt: number;
  readonly events: InteractionEvent[] = [];
  /** The @original response message, once the bot responded with a message. */
  originalId: string | null = null;
  private readonly store: MessageStore;
  private readonly listeners = new Set<() => void>();

  constructor(init: {
    id: string;
    token: string;
    commandName: string;
    type: number;
    userId: string;
    guildId: string;
    channelId: string;
    createdAt: number;
    store: MessageStore;
  }) {
    this.id = init.id;
    this.token = init.token;
    this.commandName = init.commandName;
    this.type = init.type;
    this.userId = init.userId;
    this.guildId = init.guildId;
    this.channelId = init.channelId;
    this.createdAt = init.createdAt;
    this.store = init.store;
  }

  /** True once any callback was accepted. */
  get acknowledged(): boolean {
    return this.events.some((event) => event.kind === 'reply' || event.kind === 'defer' || event.kind === 'deferUpdate' || event.kind === 'update');
  }

  /** Records what the bot did and wakes up `reply()` waiters. */
  record(event: InteractionEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener();
  }

  /** The @original message as it stands now (undefined before a reply or defer). */
  get original(): BotMessage | undefined {
    return this.originalId ? this.store.get(this.originalId) : undefined;
  }

  /** Follow-up messages, oldest first. */
  get followUps(): BotMessage[] {
    return this.events.filter((e) => e.kind === 'followUp' && e.messageId).flatMap((e) => this.store.get(e.messageId!) ?? []);
  }

  /**
   * Resolves with the first message only the caller can see: the reply when it is ephemeral (a deferred one once
   * edited), or an ephemeral follow-up (as after a public "thinking…" that was taken back).
   */
  privateAnswer(timeoutMs = 5_000): Promise<BotMessage> {
    return this.until(() => {
      const original = this.original;
      if (original && (original.flags & FLAG_LOADING) === 0 && (original.flags & FLAG_EPHEMERAL) !== 0) return { ...original };
      const followUp = this.followUps.find((message) => (message.flags & FLAG_EPHEMERAL) !== 0);
      return followUp ? { ...followUp } : undefined;
    }, timeoutMs);
  }

  /**
   * Resolves with a snapshot of the visible reply: the type 4 reply, or a deferred reply once edited.
   * `matching` waits for a later state (e.g. the final edit after "Joining...").
   */
  reply(options: { matching?: (message: BotMessage) => boolean; timeoutMs?: number } = {}): Promise<BotMessage> {
    const { matching = () => true, timeoutMs = 5_000 } = options;
    return this.until(() => {
      const original = this.original;
      return original && (original.flags & FLAG_LOADING) === 0 && matching(original) ? { ...original } : undefined;
    }, timeoutMs);
  }

  /** Resolves with `check()`'s first defined result, checked now and after each thing the bot does. */
  private until(check: () => BotMessage | undefined, timeoutMs: number): Promise<BotMessage> {
    const now = check();
    if (now) return Promise.resolve(now);
    let listener: (() => void) | undefined;
    const found = new Promise<BotMessage>((resolve) => {
      listener = () => {
        const snapshot = check();
        if (snapshot) resolve(snapshot);
      };
      this.listeners.add(listener);
    });
    return withTimeout(found, timeoutMs, `a reply to /${this.commandName}`).finally(() => {
      if (listener) this.listeners.delete(listener);
    });
  }
}
