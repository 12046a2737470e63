// Node-only I/O: safetensors files on disk (atomic writes), state-dict save/load.
export { saveFile, loadFile, save, load, writeFileAtomic, type StateDict } from './files.node.js';
// Checkpoint files: durable atomic saves, restore in place (format and StatefulDataLoader in ./checkpoint.ts).
export { saveCheckpoint, loadCheckpoint, readCheckpoint } from './checkpoint.node.js';
export {
  StatefulDataLoader, CheckpointError,
  type CheckpointOptions, type RestoreTargets, type CheckpointContents, type Restored, type Stateful,
} from './checkpoint.js';
// PyTorch .pt files from disk (the reader is ./pt.ts).
export { loadPtFile, loadPtObjectFile } from './pt.node.js';
export { loadPt, loadPtObject, PtError } from './pt.js';
// A trained model as a folder (config.json + model.safetensors), as the hub lays models out.
export { saveModelFolder, readModelFolder, loadModelFolder, CONFIG_FILE, WEIGHTS_FILE, type ModelConfig, type ExtraFiles } from './model_folder.node.js';
