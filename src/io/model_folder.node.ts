// A trained model as a folder, the layout of the hub and of diffusers: `config.json` (what to build:
// the model's type and its constructor's settings) beside `model.safetensors` (its state dict).
// The weights are written first and the config last, each atomically, so a folder whose config
// exists is complete; the text-to-image pipeline and `dlab generate` load these folders.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../nn/module.js';
import { loadFile, saveFile, writeFileAtomic, type StateDict } from './files.node.js';

/** The config file of a model folder: config.json. */
export const CONFIG_FILE = 'config.json';
/** The weights file of a model folder: model.safetensors. */
export const WEIGHTS_FILE = 'model.safetensors';

/** What config.json holds: at least the model's type, then whatever its builder needs. */
export interface ModelConfig {
  model_type: string;
  [setting: string]: unknown;
}

/** Files a model folder holds besides its config and weights (a tokenizer's vocab.json), by name. */
export type ExtraFiles = Record<string, string | Uint8Array>;

/**
 * Writes a trained model as a folder, as the hub lays models out: config.json and model.safetensors
 * (`save_pretrained`), and any `extra` files (a tokenizer's), all before the config.
 */
export function saveModelFolder(dir: string, model: Module, config: ModelConfig, extra: ExtraFiles = {}): void {
  mkdirSync(dir, { recursive: true });
  saveFile(model.stateDict(), join(dir, WEIGHTS_FILE), { format: 'pt' });
  for (const [name, content] of Object.entries(extra)) {
    if (name === CONFIG_FILE || name === WEIGHTS_FILE || /[\\/]|^\.\.?$/.test(name)) throw new Error(`saveModelFolder: '${name}' cannot be an extra file of a model folder`);
    writeFileAtomic(join(dir, name), typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }
  writeFileAtomic(join(dir, CONFIG_FILE), new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
}

/** The config and state dict of a model folder; errors name the folder and the file at fault. */
export function readModelFolder(dir: string): { config: ModelConfig; stateDict: StateDict } {
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  for (const path of [configPath, weightsPath]) {
    if (!existsSync(path)) throw new Error(`${dir} is not a model folder: ${path} is missing (a model folder holds ${CONFIG_FILE} and ${WEIGHTS_FILE})`);
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as ModelConfig;
  } catch (e) {
    throw new Error(`${configPath}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || typeof config.model_type !== 'string') {
    throw new Error(`${configPath}: expected an object with a "model_type" string`);
  }
  return { config, stateDict: loadFile(weightsPath).tensors };
}

/**
 * Build the model a folder describes (`build` gets its config and refuses a type it does not know)
 * and load its weights strictly: a missing or unexpected key, or a shape that differs, is an error.
 */
export function loadModelFolder<M extends Module>(dir: string, build: (config: ModelConfig) => M): { model: M; config: ModelConfig } {
  const { config, stateDict } = readModelFolder(dir);
  const model = build(config);
  try {
    model.loadStateDict(stateDict);
  } catch (e) {
    throw new Error(`${join(dir, WEIGHTS_FILE)}: ${(e as Error).message}`);
  }
  return { model, config };
}
