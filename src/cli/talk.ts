/**
 * `npm run talk -- --in question.wav [--voice Ethan] [--text "..."] [--image photo.png] [--out reply.wav]`
 * (the reply goes to out/reply.wav by default: out/ is gitignored, so a run in the repository leaves it clean).
 * One conversational turn through the bot's own request builder, client and audio code, against the real
 * service or any base URL (such as the fake). Prints the reply as it streams, its timings and usage.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/load.ts';
import { BotError } from '../errors.ts';
import { concatSamples } from '../audio/pcm.ts';
import { decodeWav, encodeWav } from '../audio/wav.ts';
import { toModelInput, MODEL_INPUT_SAMPLE_RATE } from '../audio/pipelines.ts';
import { OmniClient } from '../omni/client.ts';
import { MODEL_OUTPUT_SAMPLE_RATE, type OmniUsage } from '../omni/events.ts';
import { probeImage } from '../media/probeImage.ts';
import type { Turn } from '../omni/request.ts';

const USAGE = 'Usage: npm run talk -- --in question.wav [--voice NAME] [--text "..."] [--image photo.png] [--out out/reply.wav] [--text-only]';
/** Where the spoken reply goes unless --out says otherwise: a folder git ignores, not the working directory. */
const DEFAULT_OUT = join('out', 'reply.wav');

/** The file at `path` as the 16 kHz mono WAV the bot sends for speech. */
async function speechFromFile(path: string): Promise<{ wav: Uint8Array; seconds: number }> {
  const decoded = decodeWav(await readFile(path));
  const samples = toModelInput(decoded);
  return { wav: encodeWav(samples, MODEL_INPUT_SAMPLE_RATE, 1), seconds: samples.length / MODEL_INPUT_SAMPLE_RATE };
}

function formatUsage(usage: OmniUsage): string {
  const { input, output } = usage;
  return [
    `usage: input ${input.total} tokens (text ${input.text}, audio ${input.audio}, image ${input.image}, video ${input.video})`,
    `       output ${output.total} tokens (text ${output.text}, audio ${output.audio}, reasoning ${output.reasoning}); total ${usage.total}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      voice: { type: 'string' },
      text: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string', default: DEFAULT_OUT },
      'text-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || (!values.in && !values.text && !values.image)) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const config = loadConfigOrExit({ discord: false, omni: true }, 'talk to the model');
  const omni = config.omni!;

  const turns: Turn[] = [];
  if (values.image) {
    const image = probeImage(await readFile(values.image));
    // One non-text modality per user message: the image travels in a message of its own.
    turns.push({
      role: 'user',
      text: values.in ? 'Here is an image for my next question.' : (values.text ?? 'Describe this image.'),
      media: { kind: 'images', images: [image] },
    });
    if (values.in) turns.push({ role: 'assistant', text: 'Got it. What would you like to know?' });
  }
  if (values.in) {
    const audio = await speechFromFile(values.in);
    turns.push({ role: 'user', text: values.text, media: { kind: 'audio', ...audio } });
  } else if (!values.image) {
    turns.push({ role: 'user', text: values.text });
  }

  const voice = values['text-only'] ? undefined : (values.voice ?? omni.defaultVoice);
  const client = new OmniClient({ apiKey: omni.apiKey, baseURL: omni.baseURL });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());

  const started = performance.now();
  const since = (): string => `${Math.round(performance.now() - started)} ms`;
  let firstText: string | undefined;
  let firstAudio: string | undefined;
  let usage: OmniUsage | undefined;
  const audio: Int16Array[] = [];
  process.stderr.write(`model ${omni.model.id}${voice ? `, voice ${voice}` : ', text only'} at ${omni.baseURL}\n`);
  for await (const event of client.stream({ model: omni.model, turns, ...(voice ? { voice } : {}) }, { signal: controller.signal })) {
    if (event.type === 'text') {
      firstText ??= since();
      process.stdout.write(event.text);
    } else if (event.type === 'audio') {
      firstAudio ??= since();
      audio.push(event.pcm);
    } else if (event.type === 'usage') {
      usage = event.usage;
    }
  }
  const total = since();
  process.stdout.write('\n');

  const samples = concatSamples(audio);
  if (samples.length > 0) {
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, encodeWav(samples, MODEL_OUTPUT_SAMPLE_RATE, 1));
    process.stderr.write(`wrote ${values.out}: ${(samples.length / MODEL_OUTPUT_SAMPLE_RATE).toFixed(3)} s at ${MODEL_OUTPUT_SAMPLE_RATE} Hz mono\n`);
  }
  process.stderr.write(`timings: first text ${firstText ?? '-'}, first audio ${firstAudio ?? '-'}, end ${total}\n`);
  if (usage) process.stderr.write(`${formatUsage(usage)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`talk failed: ${error instanceof BotError ? error.userMessage : error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
