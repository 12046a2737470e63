// The 'dlab/lab' entry: what a user's own experiment file needs to be run by `dlab run ./file.ts`
// like a built-in one (options as flags, the run store, progress, checkpoints, the report).

export { defineExperiment, finiteLoss, Interrupted, type Experiment, type Metrics, type OptionSpec, type RunContext, type TrainState, type Extra, type Resumed } from './experiment.js';
export { lineChart, type Artifact } from './artifact.js';
export { LateState } from './late-state.js';
export { evaluateAccuracy, evaluateClassifier, trainEpochs } from './training.js';
// `device: deviceOption` gives a user's experiment --device as the built-in ones have it; `await
// useDevice(o.device)` the Device to pass to trainEpochs({ device }).
export { deviceOption, cpuDeviceOption, cpuOnly, useDevice } from './device.js';
export { evaluateAccuracyOn, moduleToCpu, moveTraining } from './training.js';
// A loop of its own on any device: each step's values read in batches on a GPU (src/lab/step-values.ts).
export { StepValues } from './step-values.js';
export { evaluateClassifierOn } from './training.js';
