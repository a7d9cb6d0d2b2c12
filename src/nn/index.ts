// Neural-network modules (`torch.nn`): the Module base, layers, encoders and heads.
export { Module, type AnyModule, type StateDict, type ModuleTarget, type IncompatibleKeys } from './module.js';
export { Linear, Identity, Flatten } from './linear.js';
export { Conv1d, Conv2d, type ConvOptions } from './conv.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, isNormLayer, type BatchNormOptions } from './norm.js';
export { ReLU, GELU, SiLU, Softmax } from './activation.js';
export { MaxPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { Dropout } from './dropout.js';
export { Sequential, type Layer } from './container.js';
export { Embedding } from './embedding.js';
export type { FactoryOptions } from './parameter.js';
export * as init from './init.js';
export * from './encoders/index.js';
export * from './heads/index.js';
