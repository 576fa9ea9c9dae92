// Attachments are fetched only from allowed hosts, with the size cap enforced while streaming and a timeout.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { downloadAttachment, isAllowedUrl } from '../../src/media/download.ts';

let server: Server;
let origin: string;
let bytesServed = 0;
const stalled = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/ok') return void res.end(Buffer.alloc(1000, 7));
    if (path === '/redirect-inside') return void res.writeHead(302, { location: '/ok' }).end();
    if (path === '/redirect-outside') return void res.writeHead(302, { location: 'http://example.com/x' }).end();
    if (path === '/missing') return void res.writeHead(404).end();
    if (path === '/stall') {
      stalled.add(res);
      return void res.writeHead(200).write('x');
    }
    if (path === '/endless') {
      // No Content-Length: only the streamed count can stop it.
      res.writeHead(200);
      const pump = (): void => {
        while (!res.destroyed && res.write(Buffer.alloc(16_384))) bytesServed += 16_384;
        if (!res.destroyed) res.once('drain', pump);
      };
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  server.close();
});

const options = () => ({ maxBytes: 100_000, timeoutMs: 2_000, allowedHosts: [origin], name: 'photo.png' });

function refusal(pattern: RegExp) {
  return (error: unknown) => error instanceof InvalidInputError && pattern.test(error.userMessage);
}

test('only Discord CDN hosts over https are allowed by default', () => {
  const hosts = ['cdn.discordapp.com', 'media.discordapp.net'];
  assert.ok(isAllowedUrl(new URL('https://cdn.discordapp.com/attachments/1/2/a.png'), hosts));
  assert.ok(!isAllowedUrl(new URL('http://cdn.discordapp.com/attachments/1/2/a.png'), hosts));
  assert.ok(!isAllowedUrl(new URL('https://cdn.discordapp.com.evil.example/a.png'), hosts));
  assert.ok(!isAllowedUrl(new URL('https://evil.example/cdn.discordapp.com/a.png'), hosts));
});

test('a file from an allowed origin arrives whole, through a redirect on the same host', async () => {
  assert.equal((await downloadAttachment(`${origin}/ok`, options())).length, 1000);
  assert.equal((await downloadAttachment(`${origin}/redirect-inside`, options())).length, 1000);
});

test('a link elsewhere, or a redirect leading elsewhere, is refused', async () => {
  await assert.rejects(downloadAttachment('https://example.com/a.png', options()), refusal(/only download attachments from Discord/));
  await assert.rejects(downloadAttachment(`${origin}/redirect-outside`, options()), refusal(/only download attachments from Discord/));
});

test('a body over the cap is stopped while streaming, without reading the rest', async () => {
  await assert.rejects(downloadAttachment(`${origin}/endless`, options()), refusal(/photo\.png is larger than 0\.1 MB/));
  assert.ok(bytesServed < 5_000_000, `server pushed ${bytesServed} bytes`);
});

test('a stalled download times out and an HTTP error is named', async () => {
  await assert.rejects(downloadAttachment(`${origin}/stall`, { ...options(), timeoutMs: 200 }), refusal(/Downloading photo\.png timed out/));
  await assert.rejects(downloadAttachment(`${origin}/missing`, options()), refusal(/answered 404/));
});
