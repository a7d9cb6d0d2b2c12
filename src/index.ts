/**
 * contrastive: contrastive representation learning for TypeScript, on libtorch.
 * See DESIGN.md for the architecture and the memory model.
 */
export * from './tensor/index.js';
