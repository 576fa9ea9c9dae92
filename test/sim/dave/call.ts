/**
 * One DAVE call: the bot's voice session in a channel plus the simulated users in that channel, with the
 * gateway's delivery service between them. The bot is reached over its voice WebSocket (a `DaveLink`
 * given by the voice server); simulated users are davey members in this process, reached through the
 * same binary framing with a hop through the event loop each way, as over a network.
 */
import { DeliveryService } from './delivery.ts';
import type { DaveLink, GroupState } from './delivery.ts';
import { DaveMember, hasDaveMarker } from './member.ts';
import { serverFrame } from './opcodes.ts';
import { withTimeout } from '../waiters.ts';

/** The bot's frame as the capture saw it. */
export interface OpenedBotFrame {
  /** The Opus frame to decode. */
  readonly opus: Buffer;
  /** True when it was a DAVE frame and a member decrypted it with the bot's sender key. */
  readonly e2ee: boolean;
}

export class DaveCall {
  readonly channelId: string;
  readonly botUserId: string;
  readonly ds: DeliveryService;
  /** Simulated users' DAVE clients, by user id. */
  readonly members = new Map<string, DaveMember>();
  /** Frames from the bot that carried the DAVE marker but no member could decrypt. */
  botDecryptFailures = 0;
  /** Errors thrown while handling a DAVE message (a test should expect none). */
  readonly errors: Error[] = [];
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(options: { channelId: string; botUserId: string; log: (line: string) => void }) {
    this.channelId = options.channelId;
    this.botUserId = options.botUserId;
    this.log = options.log;
    this.ds = new DeliveryService(options.channelId, options.log);
  }

  /** The bot's (new) voice connection joined the call; a previous one is dropped from the group first. */
  connectBot(link: DaveLink): void {
    this.ds.disconnect(this.botUserId);
    this.ds.connect(link);
  }

  /** A binary op from the bot's WebSocket (`uint8 opcode, payload`). */
  fromBot(frame: Buffer): void {
    this.guard(() => this.ds.receiveBinary(this.botUserId, frame[0]!, frame.subarray(1)));
  }

  fromBotJson(op: number, d: Record<string, unknown>): void {
    this.guard(() => this.ds.receiveJson(this.botUserId, op, d));
  }

  /** A simulated user joined the channel: their client joins the call as a DAVE member. */
  addUser(userId: string): void {
    if (this.members.has(userId) || this.closed) return;
    let sequence = 0;
    const member: DaveMember = new DaveMember({
      userId,
      channelId: this.channelId,
      recognized: () => this.ds.connected,
      log: this.log,
      gateway: {
        binary: (op, payload) => this.hop(() => this.ds.receiveBinary(userId, op, payload)),
        json: (op, d) => this.hop(() => this.ds.receiveJson(userId, op, d)),
      },
    });
    this.members.set(userId, member);
    // Messages still on their way to a client that has left are dropped.
    const current = (): boolean => this.members.get(userId) === member;
    this.ds.connect({
      userId,
      binary: (op, payload) => this.hop(() => current() && member.receiveBinary(serverFrame(++sequence, op, payload))),
      json: (op, d) => this.hop(() => current() && member.receiveJson(op, d)),
    });
  }

  removeUser(userId: string): void {
    const member = this.members.get(userId);
    if (!member) return;
    this.members.delete(userId);
    this.ds.disconnect(userId);
    member.close();
  }

  /** Resolves when every connected member is in the established group and no transition is pending. */
  settled(timeoutMs = 5_000): Promise<GroupState> {
    return withTimeout(this.ds.whenSettled(), timeoutMs, 'the DAVE group to settle');
  }

  /** A simulated user's Opus frame, end-to-end encrypted by their client. */
  encryptFrom(userId: string, opus: Buffer): Buffer {
    const member = this.members.get(userId);
    if (!member?.ready) throw new Error(`${userId} is not in the DAVE group yet (wait for sim.daveSettled())`);
    return member.encrypt(opus);
  }

  /**
   * A frame the bot sent: DAVE frames are decrypted by a member that is in the group; others (silence,
   * or frames sent before the bot had keys) are returned as they are. Returns undefined when decryption fails.
   */
  openBotFrame(frame: Buffer): OpenedBotFrame | undefined {
    if (!hasDaveMarker(frame)) return { opus: frame, e2ee: false };
    const listener = [...this.members.values()].find((member) => member.ready);
    try {
      if (!listener) throw new Error('no simulated member is in the group');
      return { opus: listener.decrypt(this.botUserId, frame), e2ee: true };
    } catch (error) {
      this.botDecryptFailures++;
      this.log(`DAVE could not decrypt a frame from the bot: ${(error as Error).message}`);
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    for (const userId of [...this.members.keys()]) this.removeUser(userId);
  }

  /** Delivers a message on a later turn of the event loop, in order, unless the call has ended. */
  private hop(deliver: () => void): void {
    setImmediate(() => {
      if (!this.closed) this.guard(deliver);
    });
  }

  /** Runs a handler; an error is recorded (and fails the test that checks `errors`) instead of crashing the process. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.errors.push(error as Error);
      this.log(`DAVE error: ${(error as Error).message}`);
    }
  }
}
