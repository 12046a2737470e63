// Node-only I/O: safetensors files on disk (atomic writes), state-dict save/load.
export { saveFile, loadFile, save, load, writeFileAtomic, type StateDict } from './files.node.js';
