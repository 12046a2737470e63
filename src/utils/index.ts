// torch.utils-style helpers (browser-safe): model summaries, memory estimates and live-tensor
// accounting, activation checkpointing, and "what fits my GPU" from safetensors headers.
// Node-only parts: fit_files.node.ts (local folders) and gpu.node.ts (nvidia-smi).
export { summary, summaryString, type SummaryOptions, type SummaryResult, type SummaryRow } from './summary.js';
export { modelInfo, type ModelInfo, type LayerInfo, type ModelInfoOptions } from './model_info.js';
export {
  estimateMemory, memoryEstimator, largestBatch, gpuSafetyFactor, measureMemory, defaultWorkload, makeOptimizer, memoryConventions, bytesPerParam, optimizerSlots,
  type MemoryEstimate, type MemoryBytes, type MemoryDtype, type MemoryMode, type OptimizerName, type Technique,
  type Workload, type EstimateOptions, type MeasureOptions, type MemoryMeasurement,
} from './memory.js';
export {
  enableMemoryTracking, disableMemoryTracking, isMemoryTracking, memoryAllocated, maxMemoryAllocated,
  resetPeakMemoryStats, memoryStats, sampleMemory, collectGarbage, canSampleExactly, type MemoryStats,
} from './memory_stats.js';
export { checkpoint, checkpointWith, type CheckpointOptions } from './checkpoint.js';
export { hubSource, inspectModel, readSafetensorsHeader, fitTable, parseSize, type FileSource, type ModelSizes, type DtypeFit } from './fit.js';
export { textToImageModels, fitCatalogue, type CatalogueModel } from './catalogue.js';
export { tryGpu, tryAllGpus } from './devices.js';
