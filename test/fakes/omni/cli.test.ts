// Pins the CLI: it prints the base URL and the environment to point the bot at it, logs one line per
// request, and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import OpenAI from 'openai';
import { collect, dataUrl, encodeWav, sine } from './testkit.ts';

test('starts, logs requests, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, ['test/fakes/omni/main.ts', '--port', '0', '--api-key', 'cli-key', '--fast'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLineMatching = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const { value, done } = await lines.next();
      assert.ok(!done, `output ended before ${pattern}`);
      const match = pattern.exec(value);
      if (match) return match;
    }
  };
  try {
    const [, baseURL] = await nextLineMatching(/listening at (http:\/\/127\.0\.0\.1:\d+\/compatible-mode\/v1)$/u);
    await nextLineMatching(/DASHSCOPE_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/compatible-mode\/v1 DASHSCOPE_API_KEY=cli-key/u);

    const client = new OpenAI({ apiKey: 'cli-key', baseURL, maxRetries: 0 });
    const wav = encodeWav(sine(300, 1.5, 16_000), 16_000);
    await collect(
      await client.chat.completions.create({
        model: 'qwen3-omni-flash',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: dataUrl(wav, 'audio/wav'), format: 'wav' } }] }],
        modalities: ['text', 'audio'],
        audio: { voice: 'Dylan', format: 'wav' },
        stream: true,
      }),
    );
    await nextLineMatching(/model=qwen3-omni-flash voice=Dylan modalities=text,audio audio=1\.50s images=0 -> 200$/u);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
