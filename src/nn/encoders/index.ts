// Encoders (backbones): ResNets as torchvision's, small ConvNets, an MLP, sequence encoders (GRU,
// LSTM, TS2Vec's TCN, CPC's), and a registry by name.
export { type Encoder, type SequenceEncoder, isSequenceEncoder } from './encoder.js';
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetOptions } from './resnet.js';
export { ConvNetSmall, ConvNet28 } from './convnet.js';
export { MLP, type MLPOptions } from './mlp.js';
export { GRUEncoder, LSTMEncoder, type RecurrentEncoderOptions } from './rnn.js';
export { TCN, DilatedConvBlock, type TCNOptions } from './tcn.js';
export { CPCEncoder, convShift, type CPCEncoderOptions } from './cpc.js';
export { type Pooling, POOLINGS, poolSteps, stepMask } from './sequence.js';
export {
  createEncoder, encoderInputKind, encoderNames, encoderOptionProblem, registerEncoder, type EncoderInputKind, type EncoderName, type EncoderOptions,
} from './registry.js';
