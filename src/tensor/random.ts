// Seeding and the engine's global settings.
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's generators (`torch.manual_seed`): random ops repeat exactly after it. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** The CPU generator's state, as a uint8 tensor (`torch.get_rng_state`). */
export function getRngState(): Tensor {
  return new Tensor(native.getRngState());
}

/** Restores a state from `getRngState` (`torch.set_rng_state`). */
export function setRngState(state: Tensor): void {
  if (!(state instanceof Tensor)) throw new TypeError('setRngState: state must be a Tensor');
  native.setRngState(state.handle);
}

/** Sets libtorch's intra-op thread count (it starts at the number of cores). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Whether this libtorch has CUDA and sees at least one GPU. */
export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}

/** The libtorch version the addon was built against. */
export function libtorchVersion(): string {
  return native.version();
}
