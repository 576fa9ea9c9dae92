/**
 * Runs the fake Qwen-Omni service from the command line, to point a locally started bot at it:
 *   node test/fakes/omni/main.ts --port 8123 [--api-key K] [--fast]
 */
import { parseArgs } from 'node:util';
import { startFakeOmni } from './server.ts';
import type { RecordedRequest } from './server.ts';

const USAGE =
  'usage: node test/fakes/omni/main.ts [--port N] [--api-key KEY] [--fast]\n' +
  '  --port     port on 127.0.0.1 (default 8123; 0 picks a free one)\n' +
  '  --api-key  the only key accepted (default test-key)\n' +
  '  --fast     send audio as fast as possible instead of in real time';

/** One log line per request: what the bot asked for, and how the fake answered. */
function describe(request: RecordedRequest): string {
  const audioSeconds = request.audioInputs.reduce((sum, input) => sum + input.seconds, 0);
  const parts = [
    `${request.method} ${request.path}`,
    `model=${request.model ?? '-'}`,
    `voice=${request.voice ?? '-'}`,
    `modalities=${request.modalities.join(',') || '-'}`,
    `audio=${audioSeconds.toFixed(2)}s`,
    `images=${request.images.length}`,
  ];
  if (request.videos.length > 0) parts.push(`videos=${request.videos.length}`);
  if (request.enableThinking) parts.push('thinking');
  parts.push(`-> ${request.status}${request.errorCode ? ` ${request.errorCode}` : ''}`);
  return parts.join(' ');
}

const OPTIONS = {
  port: { type: 'string', default: '8123' },
  'api-key': { type: 'string', default: 'test-key' },
  fast: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseOptions(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function main(): void {
  const values = parseOptions();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be 0..65535, got ${values.port}\n${USAGE}`);
    process.exit(2);
  }
  const apiKey = values['api-key'];

  startFakeOmni({
    port,
    apiKey,
    realtime: !values.fast,
    onRequest: (request) => console.log(`${new Date().toISOString()} ${describe(request)}`),
  }).then(
    (fake) => {
      console.log(`fake Qwen-Omni listening at ${fake.baseURL}`);
      console.log(`point the bot at it with:\n  DASHSCOPE_BASE_URL=${fake.baseURL} DASHSCOPE_API_KEY=${apiKey}`);
      const stop = (signal: string): void => {
        console.log(`${signal}: shutting down`);
        fake.close().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('close failed', error);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(`could not start: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}

main();
