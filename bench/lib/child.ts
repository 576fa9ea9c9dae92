/**
 * Runs one benchmark section in its own process (so heaps, JIT state and event loops never mix) and writes
 * its result as JSON to the file named on the command line: `node --expose-gc bench/lib/child.ts <section> <out.json> [--smoke] [--key=value ...]`.
 */
import { writeFileSync } from 'node:fs';
import type { Section, SectionResult } from './figures.ts';

const [name, out, ...rest] = process.argv.slice(2);
if (!name || !out) {
  process.stderr.write('usage: node bench/lib/child.ts <section> <out.json> [--smoke] [--key=value]\n');
  process.exit(2);
}
const args: Record<string, string | boolean> = {};
for (const arg of rest) {
  const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
  if (match) args[match[1]!] = match[2] ?? true;
}
const module = (await import(new URL(`../${name}.ts`, import.meta.url).href)) as { run: Section };
const started = performance.now();
const result: SectionResult = await module.run({ smoke: args.smoke === true, log: (line) => process.stderr.write(`  ${line}\n`), args });
writeFileSync(out, JSON.stringify({ ...result, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }, null, 1));
// Sockets and timers of the worlds a section started must not keep the child alive.
process.exit(0);
