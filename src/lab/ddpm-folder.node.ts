// Loading what `dlab run ddpm --conditioning text` saved, for `dlab generate`: the model folder
// (config.json, model.safetensors, the tokenizer's vocab.json) and, inside it, the judge that
// measured the run's samples (judge/: a LeNet model folder), all offline.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelFolder, readModelFolder } from '../io/model_folder.node.js';
import { TEXT_DDPM_TYPE, TextConditionedUNet, VOCAB_FILE, textDiffusionPipeline, type TextDiffusionConfig, type TextDiffusionPipeline } from '../models/text_diffusion.js';
import { Judge } from './experiments/ddpm.js';

/** A text-conditioned ddpm folder, loaded: the pipeline and the saved judge (null when the folder has none). */
export interface DdpmTextFolder {
  pipeline: TextDiffusionPipeline;
  judge: Judge | null;
  /** The judge's test accuracy on real digits, as the run measured it. */
  judgeAccuracy: number | null;
}

/** The model_type in a folder's config.json (without loading its weights), or null when it has none. */
export function folderModelType(dir: string): string | null {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return null;
  try {
    const config = JSON.parse(readFileSync(path, 'utf8')) as { model_type?: unknown };
    return typeof config.model_type === 'string' ? config.model_type : null;
  } catch {
    return null;
  }
}

/** Load a folder that `dlab run ddpm --conditioning text` saved; errors name the file at fault. */
export function loadDdpmTextFolder(dir: string): DdpmTextFolder {
  const { model, config } = loadModelFolder(dir, TextConditionedUNet.fromModelConfig);
  const c = config as TextDiffusionConfig;
  if (c.model_type !== TEXT_DDPM_TYPE) throw new Error(`${dir}: model_type '${c.model_type}' is not '${TEXT_DDPM_TYPE}'`);
  const vocabPath = join(dir, c.tokenizer?.vocab_file ?? VOCAB_FILE);
  if (!existsSync(vocabPath)) throw new Error(`${dir}: the tokenizer's vocabulary ${vocabPath} is missing`);
  let vocab: unknown;
  try {
    vocab = JSON.parse(readFileSync(vocabPath, 'utf8'));
  } catch (e) {
    throw new Error(`${vocabPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(vocab) || !vocab.every((w) => typeof w === 'string')) throw new Error(`${vocabPath}: expected a JSON array of the tokens by id`);
  const pipeline = textDiffusionPipeline(model, c, vocab as string[]);
  let judge: Judge | null = null;
  let judgeAccuracy: number | null = null;
  if (typeof c.judge === 'string' && existsSync(join(dir, c.judge, 'config.json'))) {
    const judgeDir = join(dir, c.judge);
    const { config: jc, stateDict } = readModelFolder(judgeDir);
    judge = Judge.fromModelConfig(jc);
    try {
      judge.net.loadStateDict(stateDict);
    } catch (e) {
      throw new Error(`${join(judgeDir, 'model.safetensors')}: ${(e as Error).message}`);
    }
    judgeAccuracy = typeof jc.test_accuracy === 'number' ? jc.test_accuracy : null;
  }
  return { pipeline, judge, judgeAccuracy };
}
