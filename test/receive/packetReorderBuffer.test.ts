// Pins the reorder buffer: packets leave in sending order, a missing one is waited for 60 ms after the packet
// behind it arrived and then given up (and dropped if it comes after all), copies are dropped, sequence numbers
// wrap, and a new SSRC or a restarted sequence starts a new stream whose old packets are dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OrderedPacket, PacketReorderBuffer } from '../../src/receive/PacketReorderBuffer.ts';

const WAIT_MS = 60;
const SSRC = 77;

function buffer(): PacketReorderBuffer<number> {
  return new PacketReorderBuffer<number>({ maxWaitMs: WAIT_MS });
}

/** Pushes packet `sequence` (payload = sequence, timestamp = 960 per step) arriving at `nowMs`; returns the payloads let out. */
function push(reorder: PacketReorderBuffer<number>, sequence: number, nowMs: number, ssrc = SSRC): number[] {
  return reorder.push(sequence, { ssrc, sequence: sequence & 0xffff, timestamp: (sequence * 960) >>> 0 }, nowMs).map((p) => p.payload);
}

/** The payloads let out by `release(nowMs)`. */
function released(reorder: PacketReorderBuffer<number>, nowMs: number): number[] {
  return reorder.release(nowMs).map((p) => p.payload);
}

test('packets in order go out at once; only the first starts the stream', () => {
  const reorder = buffer();
  const out: OrderedPacket<number>[] = [];
  for (let k = 0; k < 5; k++) out.push(...reorder.push(k, { ssrc: SSRC, sequence: k, timestamp: k * 960 }, k * 20));
  assert.deepEqual(
    out.map((p) => [p.payload, p.startsStream]),
    [
      [0, true],
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ],
  );
  assert.equal(reorder.nextReleaseAt(), undefined);
});

test('a packet up to 60 ms late is put back in its place: the ones behind it wait for it', () => {
  const reorder = buffer();
  assert.deepEqual(push(reorder, 0, 0), [0]);
  assert.deepEqual(push(reorder, 2, 40), [], 'held behind the missing 1');
  assert.deepEqual(push(reorder, 3, 60), []);
  assert.equal(reorder.nextReleaseAt(), 40 + WAIT_MS);
  assert.deepEqual(released(reorder, 99), []);
  assert.deepEqual(push(reorder, 1, 95), [1, 2, 3]);
  assert.deepEqual(push(reorder, 4, 100), [4]);
  assert.deepEqual({ late: reorder.late, duplicates: reorder.duplicates }, { late: 0, duplicates: 0 });
});

test('a packet that does not come in time is given up; if it comes later it is dropped as late', () => {
  const reorder = buffer();
  push(reorder, 0, 0);
  push(reorder, 2, 40);
  assert.deepEqual(released(reorder, 40 + WAIT_MS - 1), []);
  assert.deepEqual(released(reorder, 40 + WAIT_MS), [2], 'its slot is left empty');
  assert.equal(reorder.nextReleaseAt(), undefined);
  assert.deepEqual(push(reorder, 1, 120), []);
  assert.equal(reorder.late, 1);
  assert.deepEqual(push(reorder, 3, 121), [3]);
});

test('the wait for each hole counts from the packet behind it', () => {
  const reorder = buffer();
  push(reorder, 0, 0);
  push(reorder, 2, 40); // 1 missing
  push(reorder, 4, 80); // 3 missing
  assert.deepEqual(released(reorder, 100), [2]);
  assert.equal(reorder.nextReleaseAt(), 80 + WAIT_MS);
  assert.deepEqual(push(reorder, 3, 130), [3, 4]);
});

test('copies of a packet, held or already out, are dropped', () => {
  const reorder = buffer();
  assert.deepEqual(push(reorder, 0, 0), [0]);
  assert.deepEqual(push(reorder, 0, 1), []);
  assert.deepEqual(push(reorder, 2, 40), []);
  assert.deepEqual(push(reorder, 2, 41), []);
  assert.deepEqual(push(reorder, 1, 42), [1, 2]);
  assert.deepEqual(push(reorder, 1, 43), []);
  assert.deepEqual({ late: reorder.late, duplicates: reorder.duplicates }, { late: 0, duplicates: 3 });
});

test('sequence numbers wrap at 2^16 without a hole or a restart', () => {
  const reorder = buffer();
  const out: OrderedPacket<number>[] = [];
  const order = [65533, 65534, 0, 65535, 1, 2];
  order.forEach((sequence, i) => {
    out.push(...reorder.push(sequence, { ssrc: SSRC, sequence, timestamp: 0 }, i * 20));
  });
  assert.deepEqual(
    out.map((p) => p.payload),
    [65533, 65534, 65535, 0, 1, 2],
  );
  assert.equal(out.filter((p) => p.startsStream).length, 1);
});

test('a new SSRC: what the old stream holds goes first, the new one starts a stream, the old one is dropped from then on', () => {
  const reorder = buffer();
  push(reorder, 10, 0);
  push(reorder, 12, 40); // 11 missing
  const out = reorder.push(500, { ssrc: 99, sequence: 500, timestamp: 123 }, 50);
  assert.deepEqual(
    out.map((p) => [p.payload, p.startsStream]),
    [
      [12, false],
      [500, true],
    ],
  );
  assert.deepEqual(push(reorder, 11, 60), [], 'a straggler of the old stream');
  assert.deepEqual(push(reorder, 13, 61), []);
  assert.equal(reorder.stale, 2);
  assert.deepEqual(
    reorder.push(501, { ssrc: 99, sequence: 501, timestamp: 1083 }, 70).map((p) => p.payload),
    [501],
  );
});

test('a sequence number far from the expected one (same SSRC) restarts the stream instead of waiting or dropping', () => {
  for (const jump of [-5000, 5000]) {
    const reorder = buffer();
    push(reorder, 20_000, 0);
    const out = reorder.push(1, { ssrc: SSRC, sequence: 20_000 + jump, timestamp: 5 }, 20);
    assert.deepEqual(
      out.map((p) => [p.payload, p.startsStream]),
      [[1, true]],
      `jump ${jump}`,
    );
  }
});

test('at most 32 packets are held behind a hole, whatever the wait', () => {
  const reorder = buffer();
  push(reorder, 0, 0);
  for (let k = 2; k < 34; k++) assert.deepEqual(push(reorder, k, 10), [], `packet ${k} held`);
  assert.deepEqual(
    push(reorder, 34, 10),
    Array.from({ length: 33 }, (_, i) => i + 2),
    'the 33rd gives up the hole',
  );
});
