/**
 * `npm run bench`: every measurement of what users feel and what operators pay, each section in its own
 * process, printed as a table (figure | value | workers off | goal | met?) and written to bench/results.json with
 * the machine it ran on. "workers off" is the same figure from the previous design (VOICE_WORKERS=0), where a
 * section measures both; the goal is judged on the value (the default setting).
 *   npm run bench                       all sections, full length (under 10 minutes on 2 cores)
 *   npm run bench -- --smoke            a short version of everything (CI runs it through test/bench.smoke.test.ts)
 *   npm run bench -- --only=cost,latency --out=/tmp/results.json --no-native-build
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure, SectionResult } from './lib/figures.ts';
import { machineInfo } from './lib/machine.ts';
import { buildNativeOpus, nativeOpusStatus, ROOT } from './lib/native.ts';

const SECTIONS = ['latency', 'cost', 'resampler', 'memory', 'scale', 'store', 'turntaking'] as const;

const args = new Map<string, string | true>();
for (const arg of process.argv.slice(2)) {
  const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
  if (match) args.set(match[1]!, match[2] ?? true);
}
const smoke = args.has('smoke');
const only = typeof args.get('only') === 'string' ? String(args.get('only')).split(',') : [...SECTIONS];
const out = typeof args.get('out') === 'string' ? String(args.get('out')) : join(ROOT, 'bench/results.json');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function runSection(name: string): Promise<SectionResult> {
  const file = join(mkdtempSync(join(tmpdir(), 'omni-bench-')), `${name}.json`);
  const childArgs = ['--expose-gc', '--disable-warning=ExperimentalWarning', join(ROOT, 'bench/lib/child.ts'), name, file, ...(smoke ? ['--smoke'] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, childArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code, signal) => {
      try {
        resolve(JSON.parse(readFileSync(file, 'utf8')) as SectionResult);
      } catch {
        resolve({
          name,
          title: `${name}: FAILED (exit ${code ?? signal})`,
          figures: [],
          notes: [`The ${name} section did not finish; its output is above.`],
          detail: { failed: true },
        });
      }
    });
  });
}

function format(value: number | null, unit: string): string {
  if (value === null) return 'skipped';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 0.1 ? 2 : 3;
  const text = Math.abs(value) >= 1e5 ? value.toExponential(2) : value.toFixed(digits);
  return unit === 'yes=1' ? (value === 1 ? 'yes' : 'no') : `${text}${unit ? ` ${unit}` : ''}`;
}

function printTable(results: readonly SectionResult[]): void {
  const rows: string[][] = [];
  for (const result of results) {
    rows.push([`## ${result.title}${result.seconds !== undefined ? ` [${result.seconds} s]` : ''}`]);
    for (const f of result.figures)
      rows.push([
        f.label,
        format(f.value, f.unit),
        f.baseline === undefined ? '' : format(f.baseline, f.unit),
        f.goal ?? '',
        f.met === null ? (f.note ?? '') : f.met ? 'yes' : 'NO',
      ]);
    for (const note of result.notes) rows.push([`   ${note}`]);
  }
  const header = ['figure', 'value', 'workers off', 'goal', 'met?'];
  const widths = header.map((cell) => cell.length);
  for (const row of rows)
    if (row.length > 1)
      row.slice(0, 4).forEach((cell, i) => {
        widths[i] = Math.max(widths[i]!, cell.length);
      });
  const lines = [header, ...rows].map((row) => (row.length === 1 ? `\n${row[0]}` : row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join(' | ')));
  process.stdout.write(`${lines.join('\n')}\n`);
}

const started = performance.now();
const machine = machineInfo(ROOT);
log(`bench (${smoke ? 'smoke' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}: ${only.join(', ')}`);
if (!smoke && only.includes('cost') && !args.has('no-native-build') && !nativeOpusStatus().available) await buildNativeOpus(log);

const results: SectionResult[] = [];
for (const name of only) {
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}; sections: ${SECTIONS.join(', ')}`);
  log(`\n== ${name}`);
  results.push(await runSection(name));
}
const seconds = (performance.now() - started) / 1000;
printTable(results);
const figures: Array<Figure & { section: string }> = results.flatMap((result) => result.figures.map((f) => ({ section: result.name, ...f })));
const withGoals = figures.filter((f) => f.met !== null);
const failed = results.filter((result) => result.detail.failed).map((result) => result.name);
writeFileSync(
  out,
  `${JSON.stringify(
    {
      mode: smoke ? 'smoke' : 'full',
      machine,
      seconds: Number(seconds.toFixed(1)),
      summary: {
        goals: withGoals.length,
        met: withGoals.filter((f) => f.met).length,
        missed: withGoals.filter((f) => !f.met).map((f) => f.id),
        failedSections: failed,
      },
      figures,
      sections: results,
    },
    null,
    1,
  )}\n`,
);
process.stdout.write(
  `\n${withGoals.filter((f) => f.met).length} of ${withGoals.length} goals met; ${(seconds / 60).toFixed(1)} minutes on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}. Figures written to ${out}.\n`,
);
process.exit(failed.length > 0 ? 1 : 0);
