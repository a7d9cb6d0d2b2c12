// The tensor engine's public surface.
export {
  Tensor, cat, stack, where, maximum, cdist, run, type TensorOrScalar, type NestedArray, type ValuesIndices, type MemoryFormat,
} from './tensor.js';
export {
  tensor, zeros, ones, full, eye, arange, empty, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, randLike, randnLike, type TensorOptions, type NestedData,
} from './creation.js';
export * as foreach from './foreach.js';
export { scope, tidy, keep, memory } from './scope.js';
export { noGrad, autocast, withoutAutocast, isGradEnabled, gradcheck, type GradcheckResult } from './autograd.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, cudaAvailable, libtorchVersion } from './random.js';
export { type Dtype, type Device, DTYPES, FLOATING_DTYPES, isDtype, isDevice, isFloating } from './dtype.js';
export { opSchema } from './dispatch.js';
export * as F from './functional.js';
export { Store, ProcessGroupHandle, GradientReducer, c10dBackends, type ReduceOp, type StoreOptions, type ProcessGroupOptions } from './c10d.js';
export { MissingPackageError, optionalPackageRoot, requireOptional, importOptional } from './optional.js';
