/**
 * Plays one reply's Opus packets on a guild's AudioPlayer and ends it ourselves.
 *
 * Why: @discordjs/voice 0.19.2 builds each 20 ms cycle's list with `audioPlayers.filter((p) => p.checkPlayable())`,
 * and `checkPlayable()` of a player whose resource has run out sets it Idle, which removes it from
 * `audioPlayers` during that very walk: the next guild's player is skipped for one cycle (a 40 ms hole in its
 * reply) every time another guild's reply ends. So the stream we hand the library never runs out by itself:
 * after the reply's packets and Discord's five frames of trailing silence, the library's next read finds it
 * empty and we stop the player from a microtask, after the walk. The speaking flag then clears right after
 * the last frame went out, and an idle guild leaves the cycle as before (no per-cycle cost between replies).
 */
import { type AudioPlayer, type AudioResource, StreamType, createAudioResource } from '@discordjs/voice';
import { Readable } from 'node:stream';

/** Discord asks for five frames of silence after speech, so receivers do not interpolate into the gap. */
const TRAILING_SILENCE_FRAMES = 5;
const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * Packets the players of this thread took, and reads that found no audio ready mid-reply (the player then
 * sends silence: a hole the listener hears). For metrics; one count per thread.
 */
export const replyPacketCounts = { sent: 0, starved: 0 };

/** Starts `packets` (Opus, one packet per 20 ms frame) on `player`; the player goes Idle once all were sent. */
export function playReply(player: AudioPlayer, packets: Readable): AudioResource<null> {
  const stream = new ReplyPackets(packets, () => {
    if ('resource' in player.state && player.state.resource === resource) player.stop(true);
  });
  // No library padding: it would end the resource inside the cycle's walk again.
  const resource = createAudioResource(stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 });
  player.play(resource);
  return resource;
}

/**
 * The reply's packets plus trailing silence, as a stream that stays open until the player is stopped. It takes
 * a packet from its source only when the player reads (at most one ahead), so a source that makes packets on
 * demand (OpusEncodingReader) does its work one frame per cycle.
 */
class ReplyPackets extends Readable {
  readonly #source: Readable;
  readonly #onDrained: () => void;
  #sourceDone = false;
  #drainedSignalled = false;
  /** A read found the source empty: its next 'readable' continues it. */
  #waiting = false;

  constructor(source: Readable, onDrained: () => void) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#source = source;
    this.#onDrained = onDrained;
    source.on('readable', () => {
      if (this.#waiting) this.#pull();
    });
    source.once('end', () => {
      for (let i = 0; i < TRAILING_SILENCE_FRAMES; i++) this.push(SILENCE_FRAME);
    });
    // After 'end', or instead of it when the reply was cut off or failed.
    source.once('close', () => {
      this.#sourceDone = true;
    });
  }

  override _read(): void {
    this.#waiting = true;
    this.#pull();
  }

  #pull(): void {
    for (;;) {
      const packet = this.#source.read() as Buffer | null;
      if (packet === null) return;
      this.#waiting = false;
      if (!this.push(packet)) return;
      this.#waiting = true;
    }
  }

  /** The player reads one packet per cycle with no size; Node's own `read(0)` probes are not reads. */
  override read(size?: number): Buffer | null {
    const packet = super.read(size) as Buffer | null;
    if (size === undefined) {
      if (packet !== null) replyPacketCounts.sent++;
      else if (!this.#sourceDone) replyPacketCounts.starved++;
    }
    if (packet === null && size === undefined && this.#sourceDone && this.readableLength === 0 && !this.#drainedSignalled) {
      this.#drainedSignalled = true;
      // Never inside the library's call: the cycle's walk must not see the player change state.
      queueMicrotask(this.#onDrained);
    }
    return packet;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#source.destroy();
    callback(error);
  }
}
