/** Playback continuity from the bot's packets as they arrived at the simulator. */
import type { BotPacket } from '../../test/sim/botAudio.ts';

/** A reply plays continuously when no packet comes later than this after the one before it. */
export const GAP_LIMIT_MS = 40;
/** Packets further apart than this belong to different replies (a turn takes well over 1.5 s). */
const BETWEEN_REPLIES_MS = 1_500;

export interface Gap {
  readonly guild: number;
  /** Arrival of the packets before and after the gap, in ms since the epoch (performance.timeOrigin + at). */
  readonly from: number;
  readonly to: number;
  readonly ms: number;
  /**
   * "starved" when the bot sent silence frames inside the gap (its player had no audio ready: the reply came
   * late), otherwise "late" (nothing was sent: the bot's send cycle ran late).
   */
  readonly starved: boolean;
  /**
   * Whether another guild's reply ended within the gap (or one cycle before it): the signature of
   * @discordjs/voice skipping the next player when one goes idle inside its cycle's walk.
   */
  readonly otherReplyEnded: boolean;
}

export interface Continuity {
  readonly replies: number;
  readonly repliesWithGap: number;
  readonly worstGapMs: number;
  readonly gaps: Gap[];
  /** Spans [from, to] (ms since the epoch) during which some reply was playing. */
  readonly replySpans: Array<readonly [number, number]>;
}

/** Splits each guild's audio packets into replies and finds the gaps over GAP_LIMIT_MS inside them. */
export function continuity(packetsByGuild: ReadonlyArray<readonly BotPacket[]>): Continuity {
  let replies = 0;
  let repliesWithGap = 0;
  let worstGapMs = 0;
  const gaps: Array<Omit<Gap, 'otherReplyEnded'>> = [];
  const replySpans: Array<readonly [number, number]> = [];
  const replyEnds: Array<{ guild: number; at: number }> = [];
  packetsByGuild.forEach((all, guild) => {
    const packets = all.filter((packet) => !packet.silence);
    let gapInReply = false;
    let replyStart = 0;
    for (let k = 0; k < packets.length; k++) {
      const interval = k === 0 ? Infinity : packets[k]!.at - packets[k - 1]!.at;
      if (interval > BETWEEN_REPLIES_MS) {
        if (k > 0) {
          replySpans.push([epoch(packets[replyStart]!), epoch(packets[k - 1]!)]);
          replyEnds.push({ guild, at: epoch(packets[k - 1]!) });
        }
        replyStart = k;
        replies++;
        if (gapInReply) repliesWithGap++;
        gapInReply = false;
        continue;
      }
      worstGapMs = Math.max(worstGapMs, interval);
      if (interval > GAP_LIMIT_MS) {
        gapInReply = true;
        // Silence frames take sequence numbers too (16 bits, wrapping).
        const starved = ((packets[k]!.sequence - packets[k - 1]!.sequence) & 0xffff) !== 1;
        gaps.push({ guild, from: epoch(packets[k - 1]!), to: epoch(packets[k]!), ms: interval, starved });
      }
    }
    if (packets.length > 0) {
      replySpans.push([epoch(packets[replyStart]!), epoch(packets.at(-1)!)]);
      replyEnds.push({ guild, at: epoch(packets.at(-1)!) });
    }
    if (gapInReply) repliesWithGap++;
  });
  // A reply's last audio packet is followed by its trailing silence (100 ms) before the player goes idle.
  const idleAfterMs = 100;
  const withCause = gaps.map((gap) => ({
    ...gap,
    otherReplyEnded: replyEnds.some((end) => end.guild !== gap.guild && end.at + idleAfterMs >= gap.from - 20 && end.at + idleAfterMs <= gap.to + 20),
  }));
  return { replies, repliesWithGap, worstGapMs, gaps: withCause, replySpans };
}

function epoch(packet: BotPacket): number {
  return performance.timeOrigin + packet.at;
}
