/**
 * One speaker's RTP packets back in the order they were sent. The network delivers some late, some twice,
 * and a speaker who reconnects or changes device starts a new stream (new SSRC, sequence and timestamps
 * elsewhere). Packets come out in sequence order; a missing one is waited for at most `maxWaitMs` after the
 * packet behind it arrived, then given up (its slot becomes silence downstream) and dropped if it still comes.
 * Copies of a packet are dropped, and so is a stream the speaker has left for a newer one. Pure: time comes
 * from the caller.
 */

/** Where a packet sits in its RTP stream (header fields as sent). */
export interface RtpPosition {
  readonly ssrc: number;
  /** 16 bits, one step per packet sent. */
  readonly sequence: number;
  /** 32 bits, 48 kHz units; jumps over pauses in which nothing was sent. */
  readonly timestamp: number;
}

/** A packet on its way out, in sending order. */
export interface OrderedPacket<T> {
  readonly payload: T;
  readonly timestamp: number;
  /** When it arrived (caller's clock). */
  readonly arrivedAtMs: number;
  /** First packet of a new stream (new SSRC, or the sequence restarted): its timestamp has no relation to the one before. */
  readonly startsStream: boolean;
}

export interface PacketReorderBufferOptions {
  /** Longest a missing packet is waited for, counted from the arrival of the first packet held behind it. */
  readonly maxWaitMs: number;
}

/** Packets held at most, whatever their wait: a bound on memory if a stream goes haywire. */
const MAX_HELD = 32;
/**
 * A sequence number this far from the expected one (either way, in packets: 2 s) is a restarted stream, not
 * loss or lateness: no real packet is that late, and silence is filled for gaps up to about that long anyway.
 */
const MAX_SEQUENCE_JUMP = 100;
/** SSRCs the speaker has left that are still recognised (and dropped) when their packets straggle in. */
const MAX_RETIRED_SSRCS = 8;
/** Sequence numbers given up recently, to tell a late packet from a copy in the counts. */
const MAX_REMEMBERED_SKIPS = 64;
const SEQUENCE_RANGE = 0x1_0000;

interface Held<T> {
  /** Sequence number unwrapped past 16 bits, so order survives the wrap. */
  readonly index: number;
  readonly packet: OrderedPacket<T>;
}

export class PacketReorderBuffer<T> {
  readonly #maxWaitMs: number;
  #ssrc: number | undefined;
  readonly #retiredSsrcs: number[] = [];
  /** Unwrapped sequence number of the next packet to let out; undefined before the first packet of a stream. */
  #expected: number | undefined;
  /** Waiting behind a missing packet, in sequence order. */
  #held: Held<T>[] = [];
  readonly #skipped = new Set<number>();
  /** The next packet out starts a new stream. */
  #streamStarts = true;
  /** Packets that came after their slot was given up. */
  late = 0;
  /** Copies of a packet already held or let out. */
  duplicates = 0;
  /** Packets of an SSRC the speaker has left. */
  stale = 0;

  constructor(options: PacketReorderBufferOptions) {
    this.#maxWaitMs = options.maxWaitMs;
  }

  /** Takes a packet that arrived at `nowMs`; returns the packets that may go out now, in order. */
  push(payload: T, position: RtpPosition, nowMs: number): OrderedPacket<T>[] {
    const out = this.release(nowMs);
    if (position.ssrc !== this.#ssrc) {
      if (this.#retiredSsrcs.includes(position.ssrc)) {
        this.stale++;
        return out;
      }
      // A new stream from this speaker: what the old one still holds goes first, then the old one is over.
      out.push(...this.drain());
      if (this.#ssrc !== undefined) this.#retire(this.#ssrc);
      this.#ssrc = position.ssrc;
      this.#restart();
    }
    const index = this.#unwrap(position.sequence);
    if (this.#expected !== undefined && Math.abs(index - this.#expected) > MAX_SEQUENCE_JUMP) {
      out.push(...this.drain());
      this.#restart();
    }
    this.#expected ??= index;
    if (index < this.#expected) {
      if (this.#skipped.has(index)) this.late++;
      else this.duplicates++;
      return out;
    }
    const at = this.#held.findIndex((held) => held.index >= index);
    if (at >= 0 && this.#held[at]!.index === index) {
      this.duplicates++;
      return out;
    }
    const packet = { payload, timestamp: position.timestamp, arrivedAtMs: nowMs, startsStream: false };
    this.#held.splice(at < 0 ? this.#held.length : at, 0, { index, packet });
    out.push(...this.release(nowMs));
    return out;
  }

  /** Lets out what is in order, and what has waited long enough for a missing packet; in order. */
  release(nowMs: number): OrderedPacket<T>[] {
    const out: OrderedPacket<T>[] = [];
    while (this.#held.length > 0) {
      const head = this.#held[0]!;
      const waitedOut = nowMs >= head.packet.arrivedAtMs + this.#maxWaitMs || this.#held.length > MAX_HELD;
      if (head.index !== this.#expected && !waitedOut) break;
      this.#giveUpBefore(head.index);
      this.#held.shift();
      this.#expected = head.index + 1;
      out.push(this.#stamp(head.packet));
    }
    return out;
  }

  /** When (caller's clock) a held packet is due to go out though the one before it is missing; undefined if none waits. */
  nextReleaseAt(): number | undefined {
    const head = this.#held[0];
    return head === undefined ? undefined : head.packet.arrivedAtMs + this.#maxWaitMs;
  }

  /** Everything held, in order, without waiting (the stream ended or the speaker left). */
  drain(): OrderedPacket<T>[] {
    return this.release(Number.POSITIVE_INFINITY);
  }

  #stamp(packet: OrderedPacket<T>): OrderedPacket<T> {
    if (!this.#streamStarts) return packet;
    this.#streamStarts = false;
    return { ...packet, startsStream: true };
  }

  #giveUpBefore(index: number): void {
    for (let missing = Math.max(this.#expected ?? index, index - MAX_REMEMBERED_SKIPS); missing < index; missing++) this.#skipped.add(missing);
    for (const old of this.#skipped) {
      if (this.#skipped.size <= MAX_REMEMBERED_SKIPS) break;
      this.#skipped.delete(old);
    }
  }

  #restart(): void {
    this.#expected = undefined;
    this.#skipped.clear();
    this.#streamStarts = true;
  }

  #retire(ssrc: number): void {
    this.#retiredSsrcs.push(ssrc);
    if (this.#retiredSsrcs.length > MAX_RETIRED_SSRCS) this.#retiredSsrcs.shift();
  }

  /** The 16-bit sequence number placed nearest the expected one (wrapping at 2^16). */
  #unwrap(sequence: number): number {
    if (this.#expected === undefined) return sequence;
    const delta = (((sequence - this.#expected) % SEQUENCE_RANGE) + SEQUENCE_RANGE + SEQUENCE_RANGE / 2) % SEQUENCE_RANGE;
    return this.#expected + delta - SEQUENCE_RANGE / 2;
  }
}
