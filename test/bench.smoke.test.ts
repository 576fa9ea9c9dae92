// `npm run bench -- --smoke` completes and writes every figure with a sane value (or an explicit skip), so CI
// keeps the benchmark working. Goals are not asserted here: a shared CI machine's timings say little.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../', import.meta.url).pathname;

interface Figure {
  readonly id: string;
  readonly value: number | null;
  readonly baseline?: number | null;
  readonly unit: string;
  readonly goal?: string;
  readonly met: boolean | null;
  readonly note?: string;
}

/** Every figure the bench reports, with the range a working measurement falls in. */
const EXPECTED: Record<string, readonly [min: number, max: number]> = {
  'latency.request.total.median': [600, 2_000],
  'latency.request.overSilence.median': [-100, 1_000],
  'latency.request.overSilence.p95': [-100, 1_000],
  'latency.request.endpointing.median': [-100, 1_000],
  'latency.request.detectionToRequest.median': [0, 1_000],
  'latency.firstPacket.overJitter.median': [-100, 1_000],
  'latency.firstPacket.overJitter.p95': [-100, 1_000],
  'latency.firstPacket.afterFilled.median': [0, 1_000],
  'latency.firstPacket.afterFilled.p95': [0, 1_000],
  'latency.reply.worstGap': [15, 10_000],
  'latency.bargeIn.median': [-1_000, 10_000],
  'latency.bargeIn.max': [-1_000, 10_000],
  'latency.unanswered': [0, 3],
  'cost.opusscript.conversationsPerCore': [1, 10_000],
  'cost.opusscript.receivePath': [0.01, 500],
  'cost.opusscript.sendPath': [0.01, 500],
  'cost.opusscript.stage.decode': [0.01, 500],
  'cost.opusscript.stage.resample48to16': [0.01, 500],
  'cost.opusscript.stage.endpointing': [0.01, 500],
  'cost.opusscript.stage.resample24to48': [0.01, 500],
  'cost.opusscript.stage.encode': [0.01, 500],
  'cost.native.conversationsPerCore': [1, 10_000],
  'resampler.24to48.passbandVsSox.sweep': [0, 60],
  'resampler.24to48.passbandVsSox.speech': [0, 60],
  'resampler.24to48.passbandVsInput.sweep': [0, 60],
  'resampler.24to48.rejection.sweep': [20, 200],
  'resampler.24to48.rejection.speech': [20, 200],
  'resampler.24to48.speed.speech': [1, 100_000],
  'resampler.24to48.speed.sweep': [1, 100_000],
  'resampler.24to48.samplesPerSecond': [24_000, 1e10],
  'resampler.48to16.passbandVsSox.sweep': [0, 60],
  'resampler.48to16.passbandVsSox.speech': [0, 60],
  'resampler.48to16.passbandVsInput.sweep': [0, 60],
  'resampler.48to16.rejection.sweep': [20, 200],
  'resampler.48to16.rejection.speech': [20, 200],
  'resampler.48to16.speed.speech': [1, 100_000],
  'resampler.48to16.speed.sweep': [1, 100_000],
  'resampler.48to16.samplesPerSecond': [48_000, 1e10],
  'memory.heap.start': [1, 4_096],
  'memory.heap.middle': [1, 4_096],
  'memory.heap.end': [1, 4_096],
  'memory.rss.start': [10, 8_192],
  'memory.rss.middle': [10, 8_192],
  'memory.rss.end': [10, 8_192],
  'memory.heap.perTurn': [-1e8, 1e8],
  'memory.rss.perTurn': [-1e9, 1e9],
  'memory.unanswered': [0, 0],
  'scale.small.continuous': [0, 100],
  'scale.small.worstGap': [15, 10_000],
  'scale.small.cpu': [0.1, 400],
  'scale.small.eventLoopP99': [0, 5_000],
  'scale.large.continuous': [0, 100],
  'scale.large.worstGap': [15, 10_000],
  'scale.large.cpu': [0.1, 400],
  'scale.large.eventLoopP99': [0, 5_000],
  'scale.most': [0, 1_000],
  'scale.shards.most': [0, 1_000],
  'scale.hogs.continuous': [0, 100],
  'scale.hogs.worstGap': [15, 10_000],
  'scale.stall.gaps': [0, 1_000],
  'scale.conversationsPerCore': [0.1, 100_000],
  'scale.memoryPerGuild': [-10_000, 10_000],
  'store.sqlite.opsPerTurn': [1, 50],
  'store.sqlite.turn.syncP95': [0, 1_000],
  'store.sqlite.recordUsage.p95': [0, 1_000],
  'store.sqlite.admit.p95': [0, 1_000],
  'store.sqlite.read.p95': [0, 1_000],
  'store.postgres.opsPerTurn': [0.5, 50],
  'store.postgres.turn.syncP95': [0, 1_000],
  'store.postgres.recordUsage.p95': [0, 5_000],
  'store.postgres.admit.p95': [0, 5_000],
  'store.postgres.read.p95': [0, 5_000],
  'store.postgres.propagation.p95': [0, 10_000],
  'turntaking.latency.off.median': [500, 5_000],
  'turntaking.latency.on.median': [500, 5_000],
  'turntaking.latency.gain': [-5_000, 5_000],
  'turntaking.splits.off': [0, 100],
  'turntaking.splits.on': [0, 100],
  'turntaking.wastePerTurn': [0, 10],
  'turntaking.endpointing.cpu': [0.01, 500],
  'turntaking.endpointing.cpuWithTentative': [0.01, 500],
};
/** Figures measured with voice workers on (value) and off (baseline): both must come out (the sharded run has one). */
const PAIRED = /^(latency|scale)\.(?!shards\.)/;
/**
 * Figures that may be skipped (with a note saying why) where a tool or the native module is missing; the
 * PostgreSQL ones too where its server is not installed, except in CI (.ci/run installs it).
 */
const MAY_SKIP =
  process.env.CI === 'true' ? /^(resampler\.\w+\.passbandVsSox\.|cost\.native\.)/ : /^(resampler\.\w+\.passbandVsSox\.|cost\.native\.|store\.postgres\.)/;
/** Timed only where the speech detector runs on the main thread (not in a voice worker). */
const MAY_SKIP_WITH_WORKERS = /^latency\.request\.(endpointing|detectionToRequest)\./;

test('npm run bench -- --smoke writes every figure with a sane value', { timeout: 300_000 }, () => {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-smoke-')), 'results.json');
  const run = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'bench/run.ts'), '--smoke', `--out=${out}`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 290_000,
  });
  assert.equal(run.status, 0, `bench --smoke failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /figure +\| value +\| workers off +\| goal +\| met\?/);

  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    mode: string;
    machine: Record<string, unknown>;
    figures: Figure[];
    summary: { failedSections: string[] };
  };
  assert.equal(results.mode, 'smoke');
  for (const key of ['cpuModel', 'cores', 'node', 'date']) assert.ok(results.machine[key], `machine.${key}`);
  assert.deepEqual(results.summary.failedSections, []);
  const byId = new Map(results.figures.map((f) => [f.id, f]));
  for (const [id, [min, max]] of Object.entries(EXPECTED)) {
    const f = byId.get(id);
    assert.ok(f, `figure ${id} is missing`);
    const inRange = (value: number): boolean => Number.isFinite(value) && value >= min && value <= max;
    if (PAIRED.test(id)) {
      assert.ok(f.baseline !== undefined, `${id} has no workers-off figure`);
      if (f.baseline !== null) assert.ok(inRange(f.baseline), `${id} with workers off = ${f.baseline} ${f.unit}, expected ${min}..${max}`);
      else assert.ok(MAY_SKIP.test(id), `${id} has no workers-off value`);
    }
    if (f.value === null) {
      const maySkip = MAY_SKIP.test(id) || MAY_SKIP_WITH_WORKERS.test(id);
      assert.ok(maySkip && f.note, `${id} has no value and ${maySkip ? 'no reason' : 'may not be skipped'}`);
      continue;
    }
    assert.ok(inRange(f.value), `${id} = ${f.value} ${f.unit}, expected ${min}..${max}`);
    if (f.goal) assert.equal(typeof f.met, 'boolean', `${id} has a goal but no verdict`);
  }
});
