// Methods: encoder + heads + loss (+ memory bank or EMA target), each with its paper's defaults.
export { Method, METHOD_NAMES, headDims, type MethodName, type MethodOptions } from './method.js';
export { MemoryBank } from './memory-bank.js';
export { SimCLR } from './simclr.js';
export { SupCon } from './supcon.js';
export { NNCLR } from './nnclr.js';
export { BYOL } from './byol.js';
export { MoCo } from './moco.js';
export { SimSiam } from './simsiam.js';
export { BarlowTwins, VICReg } from './barlow-twins.js';
export { createMethod } from './registry.js';
