// Encoders (backbones): ResNets as torchvision's, small ConvNets, an MLP, and a registry by name.
export type { Encoder } from './encoder.js';
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetOptions } from './resnet.js';
export { ConvNetSmall, ConvNet28 } from './convnet.js';
export { MLP, type MLPOptions } from './mlp.js';
export { createEncoder, encoderNames, registerEncoder, type EncoderName, type EncoderOptions } from './registry.js';
