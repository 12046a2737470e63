// Browser-safe I/O: safetensors to and from bytes. Files on disk are in ./node.ts.
export {
  serialize, deserialize, SafetensorsError, MAX_HEADER_SIZE,
  type Deserialized, type SafetensorsDtype,
} from './safetensors.js';
