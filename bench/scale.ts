/**
 * 5. Scale: N guilds talking at once in one bot process (N = 10, 50, 100). The bot runs as its own process
 * (bench/support/botProcess.ts, built like `npm start`); this process hosts the Discord simulator and the fake
 * model. In every guild one user speaks an utterance, the bot answers with 2 s of audio after a 234 ms first
 * byte, the user waits a moment and speaks again, for the whole window. Guilds join before their window, so
 * joining is not measured. Reported per N: the bot process's CPU (share of one core), its event-loop delay p99,
 * and whether every reply played continuously (no gap over 40 ms between the bot's audio packets, measured
 * where Discord would receive them).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeOmni } from '../test/fakes/omni/server.ts';
import { botEnvironment } from '../test/scenarios/world.ts';
import { startSimulator } from '../test/sim/simulator.ts';
import { envTrustingSimCA } from '../test/sim/tls.ts';
import { withTimeout } from '../test/sim/waiters.ts';
import { atMost, figure, type Figure, type Section } from './lib/figures.ts';
import { opusPackets, speechPieces } from '../test/support/speechPieces.ts';

const REPLY_SECONDS = 2;
const FIRST_BYTE_MS = 234;
const GAP_LIMIT_MS = 40;
/** Packets further apart than this belong to different replies (a turn takes well over 1.5 s). */
const BETWEEN_REPLIES_MS = 1_500;
const JOIN_CONCURRENCY = 10;

interface WindowReport {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly eventLoop: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly memory: { readonly rssMiB: number; readonly heapUsedMiB: number; readonly externalMiB: number };
}

export const run: Section = async ({ smoke, log, args }) => {
  const levels = smoke
    ? [2]
    : String(args.levels ?? '10,50,100')
        .split(',')
        .map(Number);
  const windowMs = smoke ? 5_000 : Number(args.windowMs ?? 20_000);
  const maxGuilds = Math.max(...levels);
  const sim = await startSimulator({
    guilds: Array.from({ length: maxGuilds }, (_, i) => ({ name: `Guild ${i}`, users: [`user${i}`] })),
    decodeBotAudio: false,
  });
  const fake = await startFakeOmni({ realtime: true });
  fake.setDefaultReply({ text: 'Sure.', audio: { toneHz: 330, seconds: REPLY_SECONDS }, firstByteDelayMs: FIRST_BYTE_MS });
  const env = await envTrustingSimCA({
    PATH: process.env.PATH ?? '',
    ...botEnvironment(sim, fake, mkdtempSync(join(tmpdir(), 'omni-bench-scale-')), { DAILY_TOKEN_CAP: '0', LOG_LEVEL: 'warn' }),
  });
  // --cpuProfile=DIR writes a V8 CPU profile of the bot process there when it exits (to see where time goes);
  // --botArgs=a,b passes Node options to the bot process (e.g. --trace-gc).
  const execArgv = [
    ...(typeof args.cpuProfile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProfile}`] : []),
    ...(typeof args.botArgs === 'string' ? args.botArgs.split(',') : []),
  ];
  const bot: ChildProcess = fork(new URL('support/botProcess.ts', import.meta.url).pathname, [], {
    env,
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited: string | undefined;
  bot.once('exit', (code, signal) => (exited = `the bot process exited (code ${code}, signal ${signal})`));
  const request = async (type: string): Promise<WindowReport | undefined> => {
    if (exited) return undefined;
    const reply = type === 'stop' ? Promise.race([once(bot, 'message'), once(bot, 'exit').then(() => [undefined])]) : undefined;
    bot.send({ type });
    return reply ? ((await reply)[0] as WindowReport | undefined) : undefined;
  };
  try {
    const [ready] = (await withTimeout(once(bot, 'message'), 30_000, 'the bot process to start')) as [{ opus: string }];
    log(`scale: bot process ready (Opus: ${ready.opus})`);
    const pieces = speechPieces()
      .filter((piece) => piece.durationMs <= 3_000)
      .map((piece) => opusPackets(piece));
    const figures: Figure[] = [];
    const levelDetail: Record<string, unknown>[] = [];
    let joined = 0;
    for (const level of levels) {
      // Join the guilds this level adds, a few at a time.
      while (joined < level) {
        const batch = Array.from({ length: Math.min(JOIN_CONCURRENCY, level - joined) }, (_, k) => joined + k);
        await Promise.all(
          batch.map(async (i) => {
            const user = sim.user(`user${i}`, `Guild ${i}`);
            await user.joinVoice('General');
            await (await user.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 30_000 });
          }),
        );
        joined += batch.length;
      }
      log(`scale: ${level} guilds joined; talking for ${windowMs / 1000} s`);
      const firstPacket = new Map<number, number>();
      for (let i = 0; i < level; i++) firstPacket.set(i, sim.botAudioIn(`Guild ${i}`).packets.length);
      const ownLoop = monitorEventLoopDelay({ resolution: 10 });
      ownLoop.enable();
      await request('start');
      const startedAt = performance.now();
      const endAt = startedAt + windowMs;
      let turns = 0;
      let failedTurns = 0;
      await Promise.all(
        Array.from({ length: level }, async (_, i) => {
          const user = sim.user(`user${i}`, `Guild ${i}`);
          const audio = sim.botAudioIn(`Guild ${i}`);
          const session = sim.voice.sessions.get(sim.guild(`Guild ${i}`).id)!;
          // Spread the first turns over a second, so the guilds do not all start on the same tick.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000));
          for (let turn = 0; performance.now() < endAt - 1_000; turn++) {
            const heard = audio.nextUtterance(15_000);
            await session.sendUserAudio(user.id, pieces[(i + turn) % pieces.length]!);
            try {
              await heard;
              turns++;
            } catch {
              failedTurns++;
            }
            await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 400));
          }
        }),
      );
      const report = await request('stop');
      ownLoop.disable();
      // Playback continuity, from the arrival times of the bot's audio packets in each guild.
      let replies = 0;
      let repliesWithGap = 0;
      let worstGapMs = 0;
      const gapList: Array<{ guild: number; atMs: number; gapMs: number; starved: boolean }> = [];
      // A gap is "starved" when the bot sent silence frames inside it (its player had no packet ready: the
      // reply's audio came late), otherwise "late" (nothing was sent: the bot's send timer ran late).
      let starvedGaps = 0;
      let lateGaps = 0;
      for (let i = 0; i < level; i++) {
        const packets = sim
          .botAudioIn(`Guild ${i}`)
          .packets.slice(firstPacket.get(i))
          .filter((packet) => !packet.silence);
        let gapInReply = false;
        for (let k = 0; k < packets.length; k++) {
          const interval = k === 0 ? Infinity : packets[k]!.at - packets[k - 1]!.at;
          if (interval > BETWEEN_REPLIES_MS) {
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
            if (starved) starvedGaps++;
            else lateGaps++;
            gapList.push({ guild: i, atMs: Math.round(packets[k]!.at - startedAt), gapMs: Math.round(interval), starved });
          }
        }
        if (gapInReply) repliesWithGap++;
      }
      const cpuShare = report ? report.cpuMs / report.wallMs : null;
      const continuous = report !== undefined && repliesWithGap === 0 && failedTurns === 0 && replies > 0;
      const crashNote = exited && !report ? exited : undefined;
      figures.push(
        figure(`scale.${level}.cpu`, `${level} guilds: bot CPU (share of one core)`, cpuShare === null ? null : cpuShare * 100, '%', undefined, crashNote),
        figure(`scale.${level}.eventLoopP99`, `${level} guilds: bot event-loop delay p99`, report?.eventLoop.p99 ?? null, 'ms', undefined, crashNote),
        figure(`scale.${level}.worstGap`, `${level} guilds: longest gap inside a reply`, worstGapMs, 'ms', atMost(GAP_LIMIT_MS, 'ms')),
        figure(
          `scale.${level}.continuous`,
          `${level} guilds: replies continuous (${replies - repliesWithGap}/${replies}, ${failedTurns} unanswered turns)`,
          continuous ? 1 : 0,
          'yes=1',
          { text: 'all replies, no gap > 40 ms', meets: (value) => value === 1 },
        ),
      );
      levelDetail.push({
        guilds: level,
        windowMs: report?.wallMs,
        turns,
        failedTurns,
        replies,
        repliesWithGap,
        worstGapMs,
        starvedGaps,
        lateGaps,
        botCpuShareOfOneCore: cpuShare,
        botEventLoopMs: report?.eventLoop,
        botMemory: report?.memory,
        botExited: exited,
        gaps: gapList,
        simulatorEventLoopDelayP99Ms: Math.max(0, ownLoop.percentile(99) / 1e6 - 10),
      });
      log(
        `scale: ${level} guilds: ${exited ?? `CPU ${((cpuShare ?? 0) * 100).toFixed(0)} %, loop p99 ${report?.eventLoop.p99} ms`}, ${replies} replies, ${repliesWithGap} with a gap (${starvedGaps} starved, ${lateGaps} late), ${failedTurns} unanswered, worst gap ${worstGapMs.toFixed(0)} ms`,
      );
      // Let replies still playing finish before the next level starts.
      if (exited) break;
      await new Promise((resolve) => setTimeout(resolve, REPLY_SECONDS * 1000 + 1_500));
    }
    return {
      name: 'scale',
      title: `5. Scale: N guilds talking at once in one bot process (Opus: ${ready.opus}, ${windowMs / 1000} s per level)`,
      figures,
      notes: [
        `The bot runs in its own process (as npm start builds it); the simulator and the fake model run in the benchmark process. Each guild: one user speaks a 0.7-3 s utterance, the bot answers ${REPLY_SECONDS} s of audio after a ${FIRST_BYTE_MS} ms first byte, the user pauses 0.2-0.6 s and speaks again.`,
        "CPU is the bot process's user+system time over the window (100 % = one core; the machine has 2). Event-loop delay: monitorEventLoopDelay at 10 ms resolution, minus the 10 ms interval itself. Gaps are measured between the bot's audio packets as they arrive at the simulator.",
      ],
      detail: { opus: ready.opus, replySeconds: REPLY_SECONDS, levels: levelDetail },
    };
  } finally {
    if (!exited) bot.send({ type: 'exit' });
    if (!exited) await withTimeout(once(bot, 'exit'), 10_000, 'the bot process to exit').catch(() => bot.kill('SIGKILL'));
    await sim.close();
    await fake.close();
  }
};
