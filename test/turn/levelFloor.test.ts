// Pins the rolling floor the endpointer measures tails against: a low percentile of the recent levels, which
// follows steady noise, keeps the quiet between words through long speech, and forgets what left the window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LevelFloor } from '../../src/turn/LevelFloor.ts';

test('no level yet: no floor', () => {
  assert.equal(new LevelFloor(10, 0.1).dbfs, -Infinity);
});

test('the floor is the chosen percentile of the window, in any arrival order', () => {
  const floor = new LevelFloor(10, 0.2);
  for (const level of [-20, -80, -30, -25, -70, -22, -21, -24, -23, -26]) floor.push(level);
  // Sorted: -80 -70 -30 -26 -25 ...; 20 % of the way up nine gaps is index 1.
  assert.equal(floor.dbfs, -70);
});

test('levels that left the window no longer count', () => {
  const floor = new LevelFloor(4, 0);
  for (const level of [-90, -40, -41, -42]) floor.push(level);
  assert.equal(floor.dbfs, -90);
  floor.push(-43);
  assert.equal(floor.dbfs, -43);
});
