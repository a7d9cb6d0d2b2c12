// Reading sequences at other steps: the shared effect of time warp, window slice and permutation.
import { tensor, type Tensor } from '../../tensor/index.js';

/** A per-step index (N, T) as the (N, T, C) int64 index `gather` takes along time. */
function stepIndex(index: Int32Array, x: Tensor): Tensor {
  const [n, t, c] = x.shape as [number, number, number];
  return tensor(index, { shape: [n, t, 1], device: x.device }).to('int64').expand([n, t, c]); // (N, T, C)
}

/**
 * Output step t of sequence i is input step index[i * T + t] (`torch.gather` along time):
 * (N, T, C) -> (N, T, C). Steps past a sequence's end should point to themselves, so that its
 * padding stays as it was.
 */
export function gatherSteps(x: Tensor, index: Int32Array): Tensor {
  return x.gather(1, stepIndex(index, x));
}

/**
 * Reads each sequence at fractional positions with linear interpolation, as `F.interpolate`'s
 * linear mode: output step t of sequence i is (1 - w) x[i, k] + w x[i, k + 1] at
 * p = positions[i * T + t], k = floor(p), w = p - k, clamped to the valid part [0, L_i - 1].
 * Steps t >= L_i keep their padding. (N, T, C) -> (N, T, C).
 */
export function interpolateSteps(x: Tensor, positions: Float32Array, steps: Int32Array): Tensor {
  const [n, t] = x.shape as [number, number, number];
  const lo = new Int32Array(n * t);
  const hi = new Int32Array(n * t);
  const w = new Float32Array(n * t);
  for (let i = 0; i < n; i++) {
    const last = steps[i]! - 1;
    for (let s = 0; s < t; s++) {
      const j = i * t + s;
      if (s > last) {
        lo[j] = hi[j] = s;
        continue;
      }
      const p = Math.min(Math.max(positions[j]!, 0), last);
      const k = Math.min(Math.floor(p), last);
      lo[j] = k;
      hi[j] = Math.min(k + 1, last);
      w[j] = p - k;
    }
  }
  const a = gatherSteps(x, lo); // (N, T, C)
  const b = gatherSteps(x, hi);
  const weight = tensor(w, { shape: [n, t, 1], dtype: x.dtype, device: x.device }); // (N, T, 1)
  return a.add(b.sub(a).mul(weight));
}
