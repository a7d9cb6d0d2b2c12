// CPC's InfoNCE over future steps: van den Oord, Li & Vinyals 2018, "Representation Learning with Contrastive Predictive Coding".
import { arange, cat, F, isFloating, scope, type Tensor } from '../tensor/index.js';
import { checkTensor } from './validate.js';

/**
 * CPC's InfoNCE loss (van den Oord et al. 2018, eq. 4: "the categorical cross-entropy of
 * classifying the positive sample correctly", the scores f_k(x_{t+k}, c_t) = exp(z_{t+k}^T W_k c_t)).
 * Given the codes z (N, T, D) and, for k = 1..K, the predictions W_k c_t (N, T - k, D) of the
 * codes k steps ahead, each prediction picks its true z_{t+k} among the candidates
 * - the other sequences' codes at the same step t + k (N - 1 negatives), and
 * - its own sequence's codes at the other steps (T - 1 negatives),
 * the negatives "from the other sequences and time steps of the batch", at O(N T (N + T)) per k
 * instead of O((N T)^2) for every code of the batch. With `lengths` (N), steps at or past a
 * sequence's length are neither queries nor candidates. The loss is the mean over k of the mean
 * over the valid queries. Inputs are checked for shapes only (no values read back).
 */
export class CPCLoss {
  /**
   * `z` (N, T, D), `predictions[k - 1]` (N, T - k, D) for k = 1..K (K >= 1, T - K >= 1), and
   * optional `lengths` (N) int64 in 1..T.
   */
  forward(z: Tensor, predictions: readonly Tensor[], lengths: Tensor | null = null): Tensor {
    const who = 'CPCLoss';
    checkTensor(who, 'z', z);
    if (z.ndim !== 3 || !isFloating(z.dtype)) throw new TypeError(`${who}: z must be floating point (N, T, D), got ${z.dtype} [${z.shape.join(', ')}]`);
    const [n, t, d] = z.shape as [number, number, number];
    if (!Array.isArray(predictions) || predictions.length === 0) throw new TypeError(`${who}: predictions must be a non-empty array of (N, T - k, D) tensors, k = 1..K`);
    if (predictions.length >= t) throw new RangeError(`${who}: ${predictions.length} steps ahead leave nothing to predict in ${t} steps`);
    predictions.forEach((p, i) => {
      checkTensor(who, `predictions[${i}]`, p);
      const want = [n, t - i - 1, d];
      if (p.shape.join() !== want.join()) throw new RangeError(`${who}: predictions[${i}] (k = ${i + 1}) must have shape [${want.join(', ')}], got [${p.shape.join(', ')}]`);
    });
    if (lengths !== null) {
      checkTensor(who, 'lengths', lengths);
      if (lengths.ndim !== 1 || lengths.shape[0] !== n || lengths.dtype !== 'int64') throw new TypeError(`${who}: lengths must be int64 (${n}), got ${lengths.dtype} [${lengths.shape.join(', ')}]`);
    }
    return scope(() => {
      const o = { dtype: 'int64', device: z.device } as const;
      const position = arange(0, t, 1, o); // (T)
      const valid = lengths ? position.unsqueeze(0).lt(lengths.unsqueeze(1)) : null; // (N, T): steps inside each sequence
      const sequence = arange(0, n, 1, o); // (N): the positive's index among the candidates
      const losses = predictions.map((p, i) => {
        const k = i + 1;
        const m = t - k;
        const ahead = z.narrow(1, k, m); // (N, m, D): z_{t+k}
        // [n, t, j] = z_{j, t+k}^T W_k c_{n, t}: every sequence's code at the target step; j = n is the positive.
        let across = p.transpose(0, 1).bmm(ahead.permute([1, 2, 0])).transpose(0, 1); // (N, m, N)
        // [n, t, s] = z_{n, s}^T W_k c_{n, t}: the sequence's own codes, less the positive (s = t + k: in `across`).
        let within = p.bmm(z.transpose(1, 2)); // (N, m, T)
        within = within.maskedFill(position.narrow(0, k, m).unsqueeze(1).eq(position.unsqueeze(0)).unsqueeze(0), -Infinity);
        if (valid) {
          const targetValid = valid.narrow(1, k, m); // (N, m)
          across = across.maskedFill(targetValid.logicalNot().transpose(0, 1).unsqueeze(0), -Infinity); // candidate j's step t + k past its end
          within = within.maskedFill(valid.logicalNot().unsqueeze(1), -Infinity); // candidate step s past the sequence's end
        }
        const logits = cat([across, within], 2).reshape([n * m, n + t]); // (N m, N + T)
        const target = sequence.unsqueeze(1).expand([n, m]).reshape([n * m]); // (N m)
        if (!valid) return F.crossEntropy(logits, target);
        const rows = valid.narrow(1, k, m).reshape([n * m]).nonzero().flatten(); // queries whose target is inside the sequence
        return F.crossEntropy(logits.indexSelect(0, rows), target.indexSelect(0, rows));
      });
      return cat(losses.map((l) => l.unsqueeze(0))).mean();
    });
  }
}
