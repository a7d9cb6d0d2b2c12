// The tensor engine's public surface.
export { Tensor, cat, stack, where, run, type TensorOrScalar, type NestedArray, type ValuesIndices, type MemoryFormat } from './tensor.js';
export {
  tensor, zeros, ones, full, eye, arange, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, randLike, randnLike, type TensorOptions,
} from './creation.js';
export { scope, tidy, keep, memory } from './scope.js';
export { noGrad, autocast, isGradEnabled, gradcheck, type GradcheckResult } from './autograd.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, cudaAvailable, libtorchVersion } from './random.js';
export { type Dtype, type Device, DTYPES } from './dtype.js';
export { opSchema } from './dispatch.js';
export * as F from './functional.js';
