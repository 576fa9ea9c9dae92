/**
 * The fake Qwen-Omni service in its own process for the memory benchmark, answering every request at once
 * (no real-time pacing) with `--reply-seconds` of audio; prints its base URL on the first line of stdout.
 * In a separate process so what it records of every request is not counted as the bot's memory.
 */
import { parseArgs } from 'node:util';
import { startFakeOmni } from '../../test/fakes/omni/server.ts';

const { values } = parseArgs({ options: { 'reply-seconds': { type: 'string', default: '4' } } });
const fake = await startFakeOmni({ realtime: false });
fake.setDefaultReply({
  text: 'Here is a reply of a few seconds, spoken in the voice you picked.',
  audio: { toneHz: 220, seconds: Number(values['reply-seconds']) },
});
process.stdout.write(`${fake.baseURL}\n`);
process.on('SIGTERM', () => void fake.close().finally(() => process.exit(0)));
