// Reading and writing tensors: safetensors (PyTorch-compatible) and training checkpoints.
export {
  saveSafetensors, loadSafetensors, serializeSafetensors, parseSafetensors, SafetensorsError,
  type Safetensors, type SafetensorsDtype,
} from './safetensors.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './checkpoint.js';
export { writeFileAtomic } from './atomic.js';
export { SafetensorsWriter, SafetensorsReader, encodeSafetensorsHeader, type TensorSpec, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-stream.js';
