/**
 * 5. Scale: many guilds talking at once, one bot process, with voice workers on and off side by side.
 * The bot runs as its own process (bench/support/botProcess.ts, built like `npm start`, configured only by
 * its environment); this process hosts the Discord simulator and the fake model. Each mode gets its own bot
 * process: "on" leaves VOICE_WORKERS unset (the default: one worker per core), "off" sets VOICE_WORKERS=0 (the
 * single-thread design). A bot build without workers ignores the setting; the thread count of each bot process
 * is reported so the output says which design each column really measured.
 *
 * In every talking guild one user speaks a 0.7-3 s utterance, the bot answers 2 s of audio (1 s in --smoke) after a
 * 234 ms first byte, the user pauses and speaks again, for the whole window. Per mode:
 *   - busy: levels of guilds talking at once, ascending; the small and large levels (10 and 50) always run, and
 *     the search for the most guilds with every reply continuous stops at the first level with a gap;
 *   - hogs: one guild while two `node -e 'for(;;){}'` processes compete for the machine's cores;
 *   - stall: the bot process is started with `--import test/support/mainThreadStall.ts`, which, when told by a signal,
 *     holds its main thread for STALL_MS at intervals; gaps overlapping a stall are the ones it caused.
 * "Continuous": no packet later than 40 ms after the one before it, measured where Discord would receive them.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeOmni, type FakeOmni } from '../test/fakes/omni/server.ts';
import { botEnvironment } from '../test/scenarios/world.ts';
import { startSimulator, type Simulator } from '../test/sim/simulator.ts';
import { envTrustingSimCA } from '../test/sim/tls.ts';
import { withTimeout } from '../test/sim/waiters.ts';
import { opusPackets, speechPieces } from '../test/support/speechPieces.ts';
import { atLeast, atMost, type Figure, figure, paired, type Section } from './lib/figures.ts';
import { KernelArrivals } from './lib/kernelArrivals.ts';
import { continuity, GAP_LIMIT_MS, type Continuity } from './lib/playback.ts';

const FIRST_BYTE_MS = 234;
const JOIN_CONCURRENCY = 10;
const STALL_MS = 250;
const HOGS = 2;
/** Shard processes in the sharded run: one per core on this machine's size. */
const SHARDS = 2;

type Mode = 'on' | 'off';
const MODES: readonly Mode[] = ['off', 'on'];
const MODE_ENV: Record<Mode, Record<string, string>> = { on: {}, off: { VOICE_WORKERS: '0' } };

interface Plan {
  /** Guilds talking at once, ascending; `small` and `large` are among them. */
  readonly levels: readonly number[];
  readonly small: number;
  readonly large: number;
  readonly windowMs: number;
  /** One guild gives few replies per window: the CPU-hog run is longer. */
  readonly hogsWindowMs: number;
  readonly stallGuilds: number;
  readonly stallEveryMs: number;
  readonly replySeconds: number;
  /** Pause between windows, so replies still playing do not spill into the next. */
  readonly settleMs: number;
  /** First turns are spread over this much time, so guilds do not all start on the same tick. */
  readonly spreadMs: number;
}

interface WindowReport {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly eventLoop: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly memory: { readonly rssMiB: number; readonly heapUsedMiB: number; readonly externalMiB: number };
}

/** One measurement window: what the guilds heard and what the bot process spent. */
interface Measured extends Omit<Continuity, 'gaps' | 'replySpans'> {
  readonly guilds: number;
  readonly turns: number;
  readonly failedTurns: number;
  /** Share of replies (unanswered turns count as broken ones) that played continuously, in %. */
  readonly continuousPct: number;
  readonly cpuShare: number | null;
  readonly eventLoopP99: number | null;
  readonly rssMiB: number | null;
  readonly threads: number | null;
  readonly starvedGaps: number;
  readonly lateGaps: number;
  /** Gaps over the limit: ms after the window started, length, kind, and whether another guild's reply had just ended. */
  readonly gapList: Array<{ guild: number; atMs: number; ms: number; starved: boolean; otherReplyEnded: boolean }>;
  readonly simulatorEventLoopP99: number;
  /** The bench process's CPU (the simulator and the fake model) over the window, as a share of one core. */
  readonly simulatorCpuShare: number;
  /** Share of packets timed by the kernel on arrival (tcpdump); null: all by the simulator's JavaScript. */
  readonly kernelTimedPct: number | null;
  readonly botExited?: string;
}

interface ModeResult {
  readonly mode: Mode;
  readonly opus: string;
  readonly levels: Measured[];
  readonly most: number;
  readonly hogs: Measured;
  readonly stall: Measured & { readonly stalls: number; readonly stallsDuringReplies: number; readonly gapsFromStalls: number };
}

export const run: Section = async ({ smoke, log, args }) => {
  const plan: Plan = smoke
    ? {
        levels: [1, 2],
        small: 1,
        large: 2,
        windowMs: 2_000,
        hogsWindowMs: 2_000,
        stallGuilds: 1,
        stallEveryMs: 700,
        replySeconds: 1,
        settleMs: 0,
        spreadMs: 300,
      }
    : {
        levels: String(args.levels ?? '5,10,20,30,50,75,100')
          .split(',')
          .map(Number),
        small: 10,
        large: 50,
        windowMs: Number(args.windowMs ?? 12_000),
        hogsWindowMs: Number(args.hogsWindowMs ?? 30_000),
        stallGuilds: 2,
        stallEveryMs: 1_500,
        replySeconds: 2,
        settleMs: 3_000,
        spreadMs: 1_000,
      };
  // The smoke run takes the shortest utterances, to keep its windows short.
  const pieces = speechPieces()
    .filter((piece) => piece.durationMs <= (smoke ? 1_500 : 3_000))
    .map((piece) => opusPackets(piece));
  const results = {} as Record<Mode, ModeResult>;
  // --modes=off (or on) measures one mode only, for quicker looks while developing.
  const modes = typeof args.modes === 'string' ? MODES.filter((mode) => String(args.modes).split(',').includes(mode)) : MODES;
  for (const mode of modes) results[mode] = await measureMode(mode, plan, pieces, log, args);
  if (modes.length < MODES.length)
    return { name: 'scale', title: `5. Scale (modes: ${modes.join(', ')})`, figures: [], notes: [], detail: { plan, ...results } };

  const { on, off } = results;
  const sharded = await measureSharded(SHARDS, plan, pieces, log, args);
  const level = (result: ModeResult, guilds: number): Measured | undefined => result.levels.find((m) => m.guilds === guilds);
  const counts = (m: Measured | undefined): string => (m ? `${m.replies - m.repliesWithGap}/${m.replies + m.failedTurns}` : 'not run');
  const figures: Figure[] = [];
  for (const [key, guilds, goal] of [
    ['small', plan.small, atLeast(100, '%', 'every reply (100 %)')],
    ['large', plan.large, atLeast(98, '%')],
  ] as const) {
    const [a, b] = [level(on, guilds), level(off, guilds)];
    figures.push(
      paired(
        `scale.${key}.continuous`,
        `${guilds} guild${guilds === 1 ? '' : 's'} talking at once: replies continuous (on ${counts(a)}, off ${counts(b)})`,
        a?.continuousPct ?? null,
        b?.continuousPct ?? null,
        '%',
        goal,
        a?.botExited,
      ),
      paired(
        `scale.${key}.worstGap`,
        `${guilds} guilds: longest gap inside a reply`,
        a?.worstGapMs ?? null,
        b?.worstGapMs ?? null,
        'ms',
        atMost(GAP_LIMIT_MS, 'ms'),
      ),
      paired(
        `scale.${key}.cpu`,
        `${guilds} guild${guilds === 1 ? '' : 's'}: bot CPU (share of one core, all threads)`,
        pct(a?.cpuShare),
        pct(b?.cpuShare),
        '%',
      ),
      paired(
        `scale.${key}.simulatorCpu`,
        `${guilds} guild${guilds === 1 ? '' : 's'}: the simulator and fake model's CPU (this bench process, share of one core)`,
        pct(a?.simulatorCpuShare),
        pct(b?.simulatorCpuShare),
        '%',
      ),
      paired(
        `scale.${key}.eventLoopP99`,
        `${guilds} guild${guilds === 1 ? '' : 's'}: bot main-thread event-loop delay p99`,
        a?.eventLoopP99 ?? null,
        b?.eventLoopP99 ?? null,
        'ms',
      ),
    );
  }
  figures.push(
    paired('scale.most', `most guilds with every reply continuous (levels tried: ${plan.levels.join(', ')})`, on.most, off.most, 'guilds', {
      text: '>= 3x workers off',
      meets: (value) => off.most > 0 && value >= 3 * off.most,
    }),
    figure(
      'scale.shards.most',
      `most guilds with every reply continuous, ${SHARDS} shard processes with 1 voice worker each (one process, workers on: ${on.most})`,
      sharded.most,
      'guilds',
    ),
    paired(
      'scale.hogs.continuous',
      `1 guild beside ${HOGS} CPU-bound processes: replies continuous (on ${counts(on.hogs)}, off ${counts(off.hogs)})`,
      on.hogs.continuousPct,
      off.hogs.continuousPct,
      '%',
      atLeast(100, '%', 'every reply (100 %)'),
    ),
    paired(
      'scale.hogs.worstGap',
      `1 guild beside ${HOGS} CPU-bound processes: longest gap inside a reply`,
      on.hogs.worstGapMs,
      off.hogs.worstGapMs,
      'ms',
      atMost(GAP_LIMIT_MS, 'ms'),
    ),
    paired(
      'scale.stall.gaps',
      `${STALL_MS} ms main-thread stalls while ${plan.stallGuilds} guild(s) talk: gaps caused (stalls during replies: on ${on.stall.stallsDuringReplies}, off ${off.stall.stallsDuringReplies})`,
      on.stall.gapsFromStalls,
      off.stall.gapsFromStalls,
      'gaps',
      { text: '0 (and >= 1 stall during a reply)', meets: (value) => value === 0 && on.stall.stallsDuringReplies > 0 },
    ),
    paired(
      'scale.conversationsPerCore',
      `conversations per core, whole bot process at ${plan.small} guilds (guilds / CPU share)`,
      perCore(level(on, plan.small)),
      perCore(level(off, plan.small)),
      '',
    ),
    paired('scale.memoryPerGuild', `memory per guild: RSS growth from ${plan.small} to ${plan.large} guilds`, perGuild(on, plan), perGuild(off, plan), 'MiB'),
  );
  const threads = (result: ModeResult): number | null => level(result, plan.small)?.threads ?? null;
  const workersSeen = threads(on) !== null && threads(off) !== null && threads(on)! > threads(off)!;
  return {
    name: 'scale',
    title: `5. Scale: guilds talking at once in one bot process, voice workers on (value) and off (workers off column) (Opus: ${on.opus}, ${plan.windowMs / 1000} s per window)`,
    figures,
    notes: [
      `Columns: "value" is the bot with VOICE_WORKERS unset (the default); "workers off" is VOICE_WORKERS=0, the single-thread design. Bot process threads at ${plan.small} guilds: ${threads(on)} vs ${threads(off)}: ${workersSeen ? 'the default ran voice workers.' : 'the same, so this build ignores VOICE_WORKERS and both columns measure the single-thread path.'}`,
      `Each guild: one user speaks a ${smoke ? '0.7-1.5' : '0.7-3'} s utterance, the bot answers ${plan.replySeconds} s of audio after a ${FIRST_BYTE_MS} ms first byte, the user pauses 0.2-0.6 s and speaks again. The bot runs in its own process; the simulator and the fake model run in the benchmark process. Arrival times are the kernel's (tcpdump on loopback, when it can run: Debian package tcpdump, root or CAP_NET_RAW), so a simulator late on the shared cores does not count against the bot; without it they are the simulator's own (${on.levels[0]?.kernelTimedPct === null ? 'this run' : 'not this run'}).`,
      `Continuous: no packet later than ${GAP_LIMIT_MS} ms after the one before it; an unanswered turn counts as a broken reply. CPU is the bot process's user+system time over the window, all threads (100 % = one core). Memory per guild: RSS difference between the ${plan.small}- and ${plan.large}-guild windows.`,
      `Sharded: the busy levels again with the bot started as \`npm start\` does with SHARD_COUNT=${SHARDS} (a supervisor and one bot process per shard, guilds split between them by Discord's rule) and VOICE_WORKERS=1 in each, so as many voice threads as the one-process default here; only what the guilds heard is measured (no CPU hook in those processes).`,
      `Stall: the bot is started with --import test/support/mainThreadStall.ts, which on a signal busy-waits ${STALL_MS} ms on its main thread every ${plan.stallEveryMs} ms (no hook in the bot); a gap is caused by a stall when it overlaps one.`,
    ],
    detail: { plan, on, off, sharded },
  };
};

const pct = (share: number | null | undefined): number | null => (share === null || share === undefined ? null : share * 100);
const perCore = (m: Measured | undefined): number | null => (m?.cpuShare ? m.guilds / m.cpuShare : null);
function perGuild(result: ModeResult, plan: Plan): number | null {
  const small = result.levels.find((m) => m.guilds === plan.small)?.rssMiB;
  const large = result.levels.find((m) => m.guilds === plan.large)?.rssMiB;
  return small === null || small === undefined || large === null || large === undefined ? null : (large - small) / (plan.large - plan.small);
}

async function measureMode(
  mode: Mode,
  plan: Plan,
  pieces: readonly Buffer[][],
  log: (line: string) => void,
  args: Readonly<Record<string, string | boolean>>,
): Promise<ModeResult> {
  const maxGuilds = Math.max(...plan.levels);
  const world = await startBotWorld(Math.max(maxGuilds, plan.stallGuilds), plan, MODE_ENV[mode], args);
  const say = (line: string): void => log(`scale [workers ${mode}]: ${line}`);
  say(`packet arrivals timed by ${world.arrivalTiming}`);
  let opus = 'unknown';
  const levels: Measured[] = [];
  let most = 0;
  let hogs: Measured;
  let stall: ModeResult['stall'];
  try {
    opus = world.opus;
    say(`bot process ready (Opus: ${opus})`);
    // One guild beside CPU hogs first, before other guilds are joined.
    await world.join(1);
    const hogProcesses = Array.from({ length: HOGS }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    try {
      hogs = (await world.measure(1, plan.hogsWindowMs, pieces)).summary;
    } finally {
      for (const hog of hogProcesses) hog.kill('SIGKILL');
    }
    say(describe(hogs, `1 guild beside ${HOGS} CPU hogs`));
    await world.settle();
    let searching = true;
    for (const guilds of plan.levels) {
      if (!searching && guilds !== plan.small && guilds !== plan.large) continue;
      if (world.exited()) break;
      await world.join(guilds);
      const { summary: measured } = await world.measure(guilds, plan.windowMs, pieces);
      levels.push(measured);
      say(describe(measured, `${guilds} guild${guilds === 1 ? '' : 's'}`));
      const continuous = measured.continuousPct === 100 && measured.replies > 0;
      if (searching && continuous) most = guilds;
      else searching = false;
      await world.settle();
      if (!searching && guilds >= plan.large) break;
    }
    // Main-thread stalls while the first guilds talk (the stall module was loaded at start, idle until now).
    await world.join(plan.stallGuilds);
    world.toggleStalls();
    const startedAt = performance.timeOrigin + performance.now();
    const measured = await world.measure(plan.stallGuilds, plan.windowMs, pieces);
    world.toggleStalls();
    const stalls = readStalls(world.stallLog).filter(([, end]) => end >= startedAt);
    const { gaps, replySpans } = measured.raw;
    const overlaps = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] < b[1] && b[0] < a[1];
    stall = {
      ...measured.summary,
      stalls: stalls.length,
      stallsDuringReplies: stalls.filter((s) => replySpans.some((span) => overlaps(s, span))).length,
      gapsFromStalls: gaps.filter((gap) => stalls.some((s) => overlaps(s, [gap.from, gap.to]))).length,
    };
    say(
      `${describe(stall, `${plan.stallGuilds} guild(s) with main-thread stalls`)}; ${stall.stalls} stalls, ${stall.stallsDuringReplies} during replies, ${stall.gapsFromStalls} gaps caused`,
    );
  } finally {
    await world.close();
  }
  return { mode, opus, levels, most, hogs: hogs!, stall: stall! };
}

/**
 * The busy levels again with the bot as SHARD_COUNT processes (one voice worker each, so as many voice
 * threads as the one-process default on this machine): the most guilds with every reply continuous.
 */
async function measureSharded(
  shards: number,
  plan: Plan,
  pieces: readonly Buffer[][],
  log: (line: string) => void,
  args: Readonly<Record<string, string | boolean>>,
): Promise<{ levels: Measured[]; most: number }> {
  const world = await startBotWorld(Math.max(...plan.levels), plan, { VOICE_WORKERS: '1' }, args, shards);
  const say = (line: string): void => log(`scale [${shards} shard processes]: ${line}`);
  const levels: Measured[] = [];
  let most = 0;
  try {
    for (const guilds of plan.levels) {
      if (world.exited()) break;
      await world.join(guilds);
      const { summary: measured } = await world.measure(guilds, plan.windowMs, pieces);
      levels.push(measured);
      say(describe(measured, `${guilds} guild${guilds === 1 ? '' : 's'}`));
      if (measured.continuousPct === 100 && measured.replies > 0) most = guilds;
      else break;
      await world.settle();
    }
  } finally {
    await world.close();
  }
  return { levels, most };
}

function readStalls(file: string): Array<readonly [number, number]> {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').map(Number) as unknown as readonly [number, number]);
  } catch {
    return [];
  }
}

function describe(m: Measured, what: string): string {
  if (m.botExited) return `${what}: ${m.botExited}`;
  const timing = m.kernelTimedPct === null ? 'timed by the simulator' : `${m.kernelTimedPct.toFixed(1)} % of packets timed by the kernel`;
  return `${what} (${timing}): CPU ${((m.cpuShare ?? 0) * 100).toFixed(0)} % (simulator and fake model ${(m.simulatorCpuShare * 100).toFixed(0)} %), loop p99 ${m.eventLoopP99} ms, ${m.threads} threads, ${m.replies} replies, ${m.repliesWithGap} with a gap (${m.starvedGaps} starved, ${m.lateGaps} late), ${m.failedTurns} unanswered, worst gap ${m.worstGapMs.toFixed(0)} ms`;
}

/** The simulator and fake model in this process, the bot in its own, and the means to drive a window. */
async function startBotWorld(
  guildCount: number,
  plan: Plan,
  modeEnv: Record<string, string>,
  args: Readonly<Record<string, string | boolean>>,
  /** Gateway shards: the bot is started as `npm start` would with SHARD_COUNT (a supervisor and a process per shard). */
  shards?: number,
) {
  const { replySeconds } = plan;
  const stallLog = join(mkdtempSync(join(tmpdir(), 'omni-bench-stall-')), 'stalls.txt');
  const sim: Simulator = await startSimulator({
    guilds: Array.from({ length: guildCount }, (_, i) => ({ name: `Guild ${i}`, users: [`user${i}`] })),
    decodeBotAudio: false,
    ...(shards ? { sharding: { recommendedShards: shards, maxConcurrency: shards } } : {}),
  });
  const fake: FakeOmni = await startFakeOmni({ realtime: true });
  const kernel = await KernelArrivals.start(sim.udp.port);
  fake.setDefaultReply({ text: 'Sure.', audio: { toneHz: 330, seconds: replySeconds }, firstByteDelayMs: FIRST_BYTE_MS });
  const env = await envTrustingSimCA({
    PATH: process.env.PATH ?? '',
    ...botEnvironment(sim, fake, mkdtempSync(join(tmpdir(), 'omni-bench-scale-')), { DAILY_TOKEN_CAP: '0', LOG_LEVEL: 'warn', ...modeEnv }),
    MAIN_THREAD_STALL_MS: String(STALL_MS),
    MAIN_THREAD_STALL_EVERY_MS: String(plan.stallEveryMs),
    MAIN_THREAD_STALL_LOG: stallLog,
  });
  // --cpuProfile=DIR writes a V8 CPU profile of the bot process there when it exits (to see where time goes);
  // --botArgs=a,b passes Node options to the bot process (e.g. --trace-gc).
  const execArgv = [
    `--import=${new URL('../test/support/mainThreadStall.ts', import.meta.url).href}`,
    ...(typeof args.cpuProfile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProfile}`] : []),
    ...(typeof args.botArgs === 'string' ? args.botArgs.split(',') : []),
  ];
  const bot: ChildProcess = shards
    ? spawn(process.execPath, ['--disable-warning=ExperimentalWarning', new URL('../src/main.ts', import.meta.url).pathname], {
        env: { ...env, SHARD_COUNT: String(shards), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : fork(new URL('support/botProcess.ts', import.meta.url).pathname, [], {
        env,
        execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
  let exited: string | undefined;
  bot.once('exit', (code, signal) => (exited = `the bot process exited (code ${code}, signal ${signal})`));
  const request = async (type: string): Promise<WindowReport | undefined> => {
    // A sharded bot is several processes started the normal way: no measuring hook, only what the guilds heard.
    if (exited || shards) return undefined;
    const reply = type === 'stop' ? Promise.race([once(bot, 'message'), once(bot, 'exit').then(() => [undefined])]) : undefined;
    bot.send({ type });
    return reply ? ((await reply)[0] as WindowReport | undefined) : undefined;
  };
  const close = async (): Promise<void> => {
    if (!exited) {
      if (shards) bot.kill('SIGTERM');
      else bot.send({ type: 'exit' });
    }
    if (!exited) await withTimeout(once(bot, 'exit'), 10_000, 'the bot process to exit').catch(() => bot.kill('SIGKILL'));
    if (typeof kernel !== 'string') await kernel.stop();
    await sim.close();
    await fake.close();
  };
  let ready: { opus: string };
  try {
    ready = shards
      ? await withTimeout(shardsReady(bot, shards), 90_000, 'every shard process to be ready')
      : ((await withTimeout(once(bot, 'message'), 30_000, 'the bot process to start')) as [{ opus: string }])[0];
  } catch (error) {
    await close();
    throw error;
  }
  let joined = 0;
  return {
    opus: ready.opus,
    /** Who times packet arrivals: the kernel, or the simulator (and why). */
    arrivalTiming: typeof kernel === 'string' ? `the simulator's JavaScript (${kernel})` : 'the kernel (tcpdump on loopback)',
    exited: () => exited,
    close,
    stallLog,
    /** Starts or stops the stall module's main-thread stalls in the bot process. */
    toggleStalls: () => void bot.kill('SIGUSR2'),
    /** Joins guilds (a few at a time) until `count` are in a voice channel with the bot. */
    async join(count: number): Promise<void> {
      while (joined < count) {
        const batch = Array.from({ length: Math.min(JOIN_CONCURRENCY, count - joined) }, (_, k) => joined + k);
        await Promise.all(
          batch.map(async (i) => {
            const user = sim.user(`user${i}`, `Guild ${i}`);
            await user.joinVoice('General');
            await (await user.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 30_000 });
          }),
        );
        joined += batch.length;
      }
    },
    /** Lets replies still playing finish before the next window. */
    settle: () => new Promise((resolve) => setTimeout(resolve, plan.settleMs)),
    /** The first `guilds` guilds talk for `windowMs`; what they heard and what the bot spent. */
    async measure(guilds: number, windowMs: number, pieces: readonly Buffer[][]): Promise<{ summary: Measured; raw: Continuity }> {
      const firstPacket = Array.from({ length: guilds }, (_, i) => sim.botAudioIn(`Guild ${i}`).packets.length);
      const ownLoop = monitorEventLoopDelay({ resolution: 10 });
      ownLoop.enable();
      const ownCpu = process.cpuUsage();
      const ownStart = performance.now();
      await request('start');
      const windowStartedAt = performance.timeOrigin + performance.now();
      const endAt = performance.now() + windowMs;
      let turns = 0;
      let failedTurns = 0;
      await Promise.all(
        Array.from({ length: guilds }, async (_, i) => {
          const user = sim.user(`user${i}`, `Guild ${i}`);
          const audio = sim.botAudioIn(`Guild ${i}`);
          const session = sim.voice.sessions.get(sim.guild(`Guild ${i}`).id)!;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * plan.spreadMs));
          for (let turn = 0; performance.now() < endAt - 1_000 && !exited; turn++) {
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
      const ownUsed = process.cpuUsage(ownCpu);
      const simulatorCpuShare = (ownUsed.user + ownUsed.system) / 1000 / (performance.now() - ownStart);
      const threads = countThreads(bot.pid);
      ownLoop.disable();
      const heard = firstPacket.map((from, i) => sim.botAudioIn(`Guild ${i}`).packets.slice(from));
      const timed = typeof kernel === 'string' ? undefined : kernel.retime(heard);
      const raw = continuity(timed?.packetsByGuild ?? heard);
      const summary: Measured = {
        guilds,
        turns,
        failedTurns,
        replies: raw.replies,
        repliesWithGap: raw.repliesWithGap,
        worstGapMs: raw.worstGapMs,
        continuousPct: raw.replies + failedTurns === 0 ? 0 : (100 * (raw.replies - raw.repliesWithGap)) / (raw.replies + failedTurns),
        cpuShare: report ? report.cpuMs / report.wallMs : null,
        eventLoopP99: report?.eventLoop.p99 ?? null,
        rssMiB: report?.memory.rssMiB ?? null,
        threads,
        starvedGaps: raw.gaps.filter((gap) => gap.starved).length,
        gapList: raw.gaps.map((gap) => ({
          guild: gap.guild,
          atMs: Math.round(gap.to - windowStartedAt),
          ms: Math.round(gap.ms),
          starved: gap.starved,
          otherReplyEnded: gap.otherReplyEnded,
        })),
        lateGaps: raw.gaps.filter((gap) => !gap.starved).length,
        simulatorEventLoopP99: Math.max(0, ownLoop.percentile(99) / 1e6 - 10),
        simulatorCpuShare,
        kernelTimedPct: timed && timed.total > 0 ? (100 * (timed.total - timed.missing)) / timed.total : null,
        ...(exited ? { botExited: exited } : {}),
      };
      return { summary, raw };
    },
  };
}

/** Resolves once every shard process of a supervised bot has logged "bot ready" (its commands registered). */
function shardsReady(bot: ChildProcess, shards: number): Promise<{ opus: string }> {
  return new Promise((resolve) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if ((output.match(/"bot ready"/g)?.length ?? 0) < shards) return;
      bot.stdout!.off('data', onData);
      bot.stdout!.resume();
      resolve({ opus: 'as configured (shard processes)' });
    };
    bot.stdout!.on('data', onData);
  });
}

/** OS threads of a process (Linux), to tell a bot running voice workers from one that does not. */
function countThreads(pid: number | undefined): number | null {
  try {
    return pid === undefined ? null : readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return null;
  }
}
