import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';

test('adds two tensors', () => {
  assert.deepEqual(tensor([1, 2]).add(tensor([3, 4])).toArray(), [4, 6]);
});
