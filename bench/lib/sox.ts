/** Debian's sox as the reference resampler: found, or installed with apt-get when running as root. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SoxStatus = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

function probe(): SoxStatus | undefined {
  const result = spawnSync('sox', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? { available: true, version: result.stdout.trim().replace(/^sox:\s*/, '') } : undefined;
}

/** sox if it is there; else, as root and when `install` is set, `apt-get install sox` (after an update if needed). */
export function ensureSox(install: boolean, log: (line: string) => void): SoxStatus {
  const found = probe();
  if (found) return found;
  if (!install) return { available: false, reason: 'sox is not installed (the smoke run does not install it)' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'sox is not installed and this user cannot apt-get install it (not root)' };
  log('resampler: installing sox with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install1 = spawnSync('apt-get', ['install', '-y', '-q', 'sox'], { env, encoding: 'utf8' });
  if (install1.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8' });
    install1 = spawnSync('apt-get', ['install', '-y', '-q', 'sox'], { env, encoding: 'utf8' });
  }
  return probe() ?? { available: false, reason: `apt-get install sox failed: ${(install1.stderr || install1.error?.message || '').trim().split('\n').at(-1)}` };
}

/**
 * Resamples mono Int16 with sox's default high-quality `rate` (no dither), single-threaded; returns the
 * output and sox's own CPU time (user + system of the child, from the shell's `times`).
 */
export function soxResample(input: Int16Array, fromRate: number, toRate: number): { output: Int16Array; cpuMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-sox-'));
  try {
    const raw = (rate: number): string => `-t raw -e signed-integer -b 16 -c 1 -r ${rate}`;
    writeFileSync(join(dir, 'in.raw'), Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    const script = `cd '${dir}' && sox --single-threaded -D -V1 ${raw(fromRate)} in.raw ${raw(toRate)} out.raw rate -h && times`;
    const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`sox failed: ${result.stderr}`);
    // `times` prints the shell's then its children's user and system time, e.g. "0m1.234s 0m0.010s".
    const children = result.stdout.trim().split('\n').at(-1)!;
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
    const bytes = readFileSync(join(dir, 'out.raw'));
    const output = new Int16Array(bytes.length >> 1);
    new Uint8Array(output.buffer).set(bytes.subarray(0, output.length * 2));
    return { output, cpuMs: seconds * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
