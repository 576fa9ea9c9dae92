/** Messages the bot posts (channel messages and interaction responses), kept for assertions and served back as Discord message objects. */
import { snowflake } from './ids.ts';
import { withTimeout } from './waiters.ts';
import type { World } from './world.ts';

/** A file the bot uploaded with a message. */
export interface UploadedFile {
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
  /** The attachment object (CDN URL included) Discord returns for it. */
  readonly attachment: Record<string, unknown>;
  /** Voice messages only: what the attachment declared (`duration_secs`, base64 `waveform`). */
  readonly durationSecs?: number;
  readonly waveform?: string;
}

/** The parts of a message body the simulator keeps (from JSON or multipart `payload_json`). */
export interface MessageContent {
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  files: UploadedFile[];
}

/** A message the bot posted; interaction responses carry their interaction id. */
export interface BotMessage extends MessageContent {
  readonly id: string;
  readonly channelId: string;
  readonly guildId: string | null;
  readonly interactionId: string | null;
  /** Simulator clock (ms) at creation. */
  readonly createdAt: number;
  /** Wall-clock ISO time, as in the message object. */
  readonly timestamp: string;
  editedAt: number | null;
}

export const FLAG_EPHEMERAL = 1 << 6;
export const FLAG_LOADING = 1 << 7;
export const FLAG_VOICE_MESSAGE = 1 << 13;

/** Stores the bot's messages and lets scenarios wait for the next one. */
export class MessageStore {
  private readonly byId = new Map<string, BotMessage>();
  /** Messages in the order they became visible; `next()` reads from `cursor` on. */
  private readonly arrivals: BotMessage[] = [];
  private cursor = 0;
  private readonly listeners = new Set<() => void>();
  private readonly editListeners = new Set<() => void>();

  /** Stores a new message; `notify: false` keeps a not-yet-visible one (a deferred reply's "thinking" state) out of `next()`. */
  create(init: Omit<BotMessage, 'id' | 'timestamp' | 'editedAt'>, notify = true): BotMessage {
    const message: BotMessage = { ...init, id: snowflake(), timestamp: new Date().toISOString(), editedAt: null };
    this.byId.set(message.id, message);
    if (notify) this.arrived(message);
    return message;
  }

  get(id: string): BotMessage | undefined {
    return this.byId.get(id);
  }

  /** Applies an edit; a first edit of a loading (deferred) message makes it visible to `next()`. */
  edit(id: string, patch: Partial<MessageContent>, at: number): BotMessage | undefined {
    const message = this.byId.get(id);
    if (!message) return undefined;
    const wasLoading = (message.flags & FLAG_LOADING) !== 0;
    Object.assign(message, patch, { editedAt: at, flags: (patch.flags ?? message.flags) & ~FLAG_LOADING });
    if (wasLoading) this.arrived(message);
    for (const listener of this.editListeners) listener();
    return message;
  }

  /** Resolves with the message once it (after any edits) passes `matching`. */
  until(id: string, matching: (message: BotMessage) => boolean, timeoutMs: number): Promise<BotMessage> {
    const check = (): BotMessage | undefined => {
      const message = this.byId.get(id);
      return message && matching(message) ? { ...message } : undefined;
    };
    const now = check();
    if (now) return Promise.resolve(now);
    let listener: (() => void) | undefined;
    const found = new Promise<BotMessage>((resolve) => {
      listener = () => {
        const message = check();
        if (message) resolve(message);
      };
      this.editListeners.add(listener);
    });
    return withTimeout(found, timeoutMs, `message ${id} to reach its expected content`).finally(() => this.editListeners.delete(listener!));
  }

  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  /** Visible (non-ephemeral, not loading) messages in a channel, oldest first. */
  inChannel(channelId: string): BotMessage[] {
    return [...this.byId.values()].filter((m) => m.channelId === channelId && (m.flags & (FLAG_EPHEMERAL | FLAG_LOADING)) === 0);
  }

  /**
   * The next message (after the last one `next()` returned) that passes `matching`, waiting for it if
   * needed; messages skipped on the way are not returned later.
   */
  next(matching: (message: BotMessage) => boolean, timeoutMs: number): Promise<BotMessage> {
    const scan = (): BotMessage | undefined => {
      while (this.cursor < this.arrivals.length) {
        const message = this.arrivals[this.cursor++]!;
        if (matching(message)) return message;
      }
      return undefined;
    };
    const now = scan();
    if (now) return Promise.resolve(now);
    let listener: (() => void) | undefined;
    const found = new Promise<BotMessage>((resolve) => {
      listener = () => {
        const message = scan();
        if (message) resolve(message);
      };
      this.listeners.add(listener);
    });
    return withTimeout(found, timeoutMs, 'the bot to post a message').finally(() => this.listeners.delete(listener!));
  }

  private arrived(message: BotMessage): void {
    this.arrivals.push(message);
    for (const listener of this.listeners) listener();
  }
}

/** The Discord message object for a bot message (as REST returns it and MESSAGE_CREATE carries it). */
export function botMessagePayload(world: World, message: BotMessage): Record<string, unknown> {
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    author: world.userPayload(world.bot.id),
    content: message.content,
    timestamp: message.timestamp,
    edited_timestamp: message.editedAt === null ? null : new Date().toISOString(),
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.files.map((file) => file.attachment),
    embeds: message.embeds,
    components: message.components,
    pinned: false,
    // 20 = CHAT_INPUT_COMMAND reply, 0 = default.
    type: message.interactionId ? 20 : 0,
    flags: message.flags,
    ...(message.interactionId ? { webhook_id: world.applicationId, application_id: world.applicationId } : {}),
  };
}
