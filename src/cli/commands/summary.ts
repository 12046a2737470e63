// `dlab summary <model> [--input C,H,W] [--depth N] [--batch-size N]`: torchsummary's table for a
// built-in model or `file.ts#export`; with --depth, the nested torchinfo-like view instead.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Module } from '../../nn/module.js';
import { builtinModel, modelNames, type ModelSpec } from '../../models/index.js';
import { summaryString } from '../../utils/summary.js';
import { modelInfo } from '../../utils/model_info.js';
import { importUserModule, USER_MODULE_EXTENSIONS } from '../user-module.js';
import { integer } from '../parse.js';

/** `1,28,28` -> [1, 28, 28]; several inputs separated by `;`. */
export function parseInputSize(text: string): number[] | number[][] {
  const parts = text.split(';').map((p) =>
    p.split(/[,x ]+/).filter(Boolean).map((d) => {
      const n = Number(d);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`bad input size '${text}': expected positive integers like 1,28,28`);
      return n;
    }),
  );
  return parts.length === 1 ? parts[0] : parts;
}

/**
 * A model by CLI name: a built-in one, or `path/to/file.{ts,mts,js,mjs}#exportName` whose
 * export is a Module, a Module class (built with no arguments) or a function returning a Module.
 */
export async function loadModel(name: string): Promise<{ model: Module; spec: ModelSpec | null; build: () => Module }> {
  const hash = name.lastIndexOf('#');
  if (hash > 0 && USER_MODULE_EXTENSIONS.test(name.slice(0, hash))) {
    const file = resolve(name.slice(0, hash));
    const exportName = name.slice(hash + 1) || 'default';
    const mod = await importUserModule(file);
    const value = mod[exportName];
    if (value === undefined) throw new Error(`${file} has no export '${exportName}'`);
    const build = (): Module => {
      if (value instanceof Module) return value;
      if (typeof value === 'function') {
        const isClass = value.prototype instanceof Module;
        const m = isClass ? new (value as new () => Module)() : (value as () => unknown)();
        if (m instanceof Module) return m;
      }
      // A CommonJS file (no "type": "module" nearby) loads its own copy of dlab, whose Modules are not ours.
      throw new Error(`export '${exportName}' of ${file} is not a Module, a Module class or a function returning a Module (the file must be an ES module importing dlab)`);
    };
    return { model: build(), spec: null, build };
  }
  const spec = builtinModel(name);
  return { model: spec.build(), spec, build: spec.build };
}

export function registerSummary(program: Command): void {
  const cmd = program
    .command('summary')
    .description('print a model summary (torchsummary table; --depth for the nested view)')
    .argument('<model>', `built-in (${modelNames().join(', ')}) or path/to/file.ts#exportName`)
    .option('--input <C,H,W>', 'input size without the batch dim (default: the model\'s own)')
    .option('--depth <n>', 'nested view down to this depth (torchinfo-like), instead of the torchsummary table', integer({ min: 0 }))
    // -1 is torchsummary's batch of unknown size.
    .option('--batch-size <n>', 'batch size shown in shapes (torchsummary default -1)', integer({ min: -1 }));
  cmd.action(async (name: string, flags: { input?: string; depth?: number; batchSize?: number }) => {
    try {
      const { model, spec } = await loadModel(name);
      const inputSize = flags.input ? parseInputSize(flags.input) : spec?.inputSize;
      if (!inputSize) throw new Error('--input is required for a model from a file');
      const dtypes = spec && !flags.input ? [spec.inputDtype] : undefined;
      if (flags.depth !== undefined) {
        process.stdout.write(modelInfo(model, inputSize, { depth: flags.depth, batchSize: flags.batchSize ?? 1, dtypes }).text);
      } else {
        process.stdout.write(summaryString(model, inputSize, { batchSize: flags.batchSize ?? -1, dtypes }).text);
      }
    } catch (e) {
      cmd.error(`dlab summary: ${(e as Error).message}`);
    }
  });
}
