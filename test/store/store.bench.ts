// Times the hot paths: 10,000 recordUsage calls (each its own commit) and 10,000 resolveVoice calls.
// Run: ./node_modules/.bin/node --disable-warning=ExperimentalWarning test/store/store.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/store/Store.ts';

const CALLS = 10_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
const store = Store.open(dir);
const call = { input: { text: 120, audio: 900, image: 0, video: 0 }, output: { text: 40, audio: 600, reasoning: 0 } };
for (let u = 0; u < 100; u++) if (u % 2 === 0) store.settings.setUserVoice(`user-${u}`, 'Ethan');
for (let g = 0; g < 10; g++) store.settings.updateGuildSettings(`guild-${g}`, { voice: 'Cherry' });

function time(label: string, fn: (i: number) => void): void {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) fn(i);
  const ms = performance.now() - start;
  console.log(`${label}: ${ms.toFixed(0)} ms for ${CALLS} (${((ms * 1000) / CALLS).toFixed(1)} µs each)`);
}

time('recordUsage', (i) => store.usage.recordUsage({ userId: `user-${i % 100}`, guildId: `guild-${i % 10}`, ...call }));
time('resolveVoice', (i) => store.settings.resolveVoice(`user-${i % 100}`, `guild-${i % 10}`, 'Chelsie', (voice) => voice !== 'Dylan'));
time('tokensToday', (i) => store.usage.tokensToday(`user-${i % 100}`, `guild-${i % 10}`));
store.close();
fs.rmSync(dir, { recursive: true, force: true });
