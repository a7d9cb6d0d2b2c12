// Checks shared by the two-view losses, called as `loss.forward(z1, z2)`.
import type { Tensor } from '../tensor/index.js';
import { checkEmbeddings, checkSameShape } from './validate.js';

/** Throws unless z1 and z2 are floating (N, D) matrices of the same shape on one device, N >= minRows. */
export function checkTwoViews(who: string, z1: unknown, z2: unknown, minRows = 1, names: readonly [string, string] = ['z1', 'z2']): asserts z1 is Tensor {
  checkEmbeddings(who, names[0], z1, { minRows });
  if (z2 instanceof Object && 'ndim' in z2 && (z2 as Tensor).ndim === 1) {
    throw new TypeError(`${who} is a two-view loss: forward(${names[0]}, ${names[1]}) takes two (N, D) views, got a 1-d ${names[1]} (labels?). For labels use SupConLoss.`);
  }
  checkEmbeddings(who, names[1], z2, { minRows });
  checkSameShape(who, z1, names[0], z2 as Tensor, names[1]);
}
