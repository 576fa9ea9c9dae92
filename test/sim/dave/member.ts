/**
 * A simulated user's DAVE client: an @snazzah/davey session driven by the voice gateway's DAVE ops, as a
 * Discord client does it. It sends its key package, processes proposals into a commit (+ welcome), joins
 * by commit or welcome, reports ready for each transition, recovers from an unusable commit / welcome
 * (op 31 and a new key package), and starts over when told to re-create the group (op 24, epoch 1).
 * Media: Opus frames are end-to-end encrypted before the transport layer; other members' frames decrypted.
 */
import davey from '@snazzah/davey';
import type { DAVESession } from '@snazzah/davey';
import { DAVE_OP, DAVE_PROTOCOL_VERSION, readServerFrame } from './opcodes.ts';

/** davey's MediaType.AUDIO (its const enums cannot be imported under type stripping). */
const MEDIA_AUDIO = 0;
/** The last two bytes of every DAVE protocol frame. */
export const DAVE_MAGIC_MARKER = 0xfafa;

/** True when a frame ends with DAVE's magic marker (the protocol frame check's cheapest part). */
export function hasDaveMarker(frame: Buffer): boolean {
  return frame.length > 2 && frame.readUInt16BE(frame.length - 2) === DAVE_MAGIC_MARKER;
}

/** How a member talks to the gateway. */
export interface GatewayLink {
  /** A client binary op: opcode, payload. */
  binary(op: number, payload: Buffer): void;
  json(op: number, d: Record<string, unknown>): void;
}

export class DaveMember {
  readonly userId: string;
  readonly session: DAVESession;
  /** Transition ids executed, in order (0 for immediate ones). */
  readonly executed: number[] = [];
  /** Frames encrypted and decrypted, and decryptions that failed. */
  encrypted = 0;
  decrypted = 0;
  decryptFailures = 0;
  private readonly channelId: string;
  private readonly gateway: GatewayLink;
  /** Users the gateway said are in the call (ops 11 / 13): add proposals for anyone else are refused. */
  private readonly recognized: () => readonly string[];
  private readonly log: (line: string) => void;

  constructor(options: { userId: string; channelId: string; gateway: GatewayLink; recognized: () => readonly string[]; log: (line: string) => void }) {
    this.userId = options.userId;
    this.channelId = options.channelId;
    this.gateway = options.gateway;
    this.recognized = options.recognized;
    this.log = (line) => options.log(`DAVE member ${this.userId}: ${line}`);
    this.session = new davey.DAVESession(DAVE_PROTOCOL_VERSION, this.userId, this.channelId);
    // A client sends its key package as soon as it learns the call uses DAVE.
    this.sendKeyPackage();
  }

  /** True once in an established group with media keys. */
  get ready(): boolean {
    return this.session.ready;
  }

  /** A binary frame from the gateway (`uint16 sequence, uint8 opcode, payload`). */
  receiveBinary(frame: Buffer): void {
    const { op, payload } = readServerFrame(frame);
    switch (op) {
      case DAVE_OP.externalSender:
        this.session.setExternalSender(payload);
        return;
      case DAVE_OP.proposals: {
        this.onProposals(payload);
        return;
      }
      case DAVE_OP.announceCommit: {
        this.join(payload, (message) => this.session.processCommit(message), 'commit');
        return;
      }
      case DAVE_OP.welcome: {
        this.join(payload, (message) => this.session.processWelcome(message), 'welcome');
        return;
      }
      default:
        this.log(`unexpected binary op ${op}`);
    }
  }

  /** A JSON op from the gateway. */
  receiveJson(op: number, d: Record<string, unknown>): void {
    if (op === DAVE_OP.executeTransition) this.executed.push(Number(d.transition_id));
    else if (op === DAVE_OP.prepareTransition) {
      const id = Number(d.transition_id);
      if (id === 0) this.executed.push(0);
      else this.gateway.json(DAVE_OP.readyForTransition, { transition_id: id });
    } else if (op === DAVE_OP.prepareEpoch && Number(d.epoch) === 1) this.restart();
  }

  /** End-to-end encrypts an Opus frame (silence frames pass through, as the protocol allows). */
  encrypt(opus: Buffer): Buffer {
    const frame = this.session.encryptOpus(opus);
    this.encrypted++;
    return frame;
  }

  /** Decrypts another member's frame; throws when it does not authenticate. */
  decrypt(fromUserId: string, frame: Buffer): Buffer {
    try {
      const opus = this.session.decrypt(fromUserId, MEDIA_AUDIO, frame);
      this.decrypted++;
      return opus;
    } catch (error) {
      this.decryptFailures++;
      throw error;
    }
  }

  close(): void {
    this.session.reset();
  }

  private onProposals(payload: Buffer): void {
    let result: { commit?: Buffer; welcome?: Buffer };
    try {
      result = this.session.processProposals(payload[0]!, payload.subarray(1), [...this.recognized()]);
    } catch (error) {
      this.log(`proposals not processed: ${(error as Error).message}`);
      return;
    }
    if (result.commit) this.gateway.binary(DAVE_OP.commitWelcome, result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit);
  }

  /** Ops 29 / 30: `uint16 transition_id`, then the commit or welcome. */
  private join(payload: Buffer, apply: (message: Buffer) => void, what: string): void {
    const transitionId = payload.readUInt16BE(0);
    try {
      apply(payload.subarray(2));
    } catch (error) {
      this.log(`${what} for transition ${transitionId} unusable: ${(error as Error).message}`);
      this.gateway.json(DAVE_OP.invalidCommitWelcome, { transition_id: transitionId });
      this.restart();
      return;
    }
    if (transitionId === 0) this.executed.push(0);
    else this.gateway.json(DAVE_OP.readyForTransition, { transition_id: transitionId });
  }

  private restart(): void {
    this.session.reinit(DAVE_PROTOCOL_VERSION, this.userId, this.channelId);
    this.sendKeyPackage();
  }

  private sendKeyPackage(): void {
    this.gateway.binary(DAVE_OP.keyPackage, this.session.getSerializedKeyPackage());
  }
}
