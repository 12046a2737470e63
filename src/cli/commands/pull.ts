// `dlab pull <repo-id> [--revision REV] [--include GLOB...] [--force] [--gpu-memory SIZE] [--json]`:
// a model from the Hugging Face hub (HF_ENDPOINT) into huggingface_hub's cache (HF_HUB_CACHE,
// HF_HOME), so Python tools find it there too; a fit check from the safetensors headers first.

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { checkRepoId } from '../../hub/api.js';
import { deviceMemory } from '../../hub/device_memory.node.js';
import { pullProgressBar } from '../../hub/progress.node.js';
import { pull } from '../../hub/pull.node.js';
import { gib, parseSize } from '../../utils/fit.js';

interface Flags {
  revision: string;
  include?: string[];
  force?: boolean;
  gpuMemory?: number;
  json?: boolean;
}

const revisionArg = (raw: string): string => {
  if (raw === '' || raw.startsWith('/') || raw.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new InvalidArgumentError('Expected a branch, tag or commit, e.g. main, v1.0 or refs/pr/1.');
  }
  return raw;
};

const globArg = (raw: string, previous: string[] | undefined): string[] => {
  if (raw.trim() === '') throw new InvalidArgumentError('Expected a glob, e.g. "*.json" or "unet/*".');
  return [...(previous ?? []), raw];
};

const sizeArg = (raw: string): number => {
  try {
    return parseSize(raw);
  } catch {
    throw new InvalidArgumentError('Expected a size, e.g. 8GiB, 8GB or 8192MiB.');
  }
};

export function registerPull(program: Command): void {
  const cmd = program
    .command('pull')
    .description("download a model from the Hugging Face hub into huggingface_hub's cache, after checking that it fits")
    .argument('<repo-id>', 'the model, organisation/name (HF_ENDPOINT sets the hub, HF_TOKEN the token for gated models)')
    .option('--revision <rev>', 'branch, tag or commit', revisionArg, 'main')
    .option('--include <glob...>', "only the files matching one of these globs ('*' also crosses '/', as huggingface_hub's allow_patterns)", globArg)
    .option('--force', 'download even when the fit check says the model does not fit')
    .option('--gpu-memory <size>', 'memory to fit in, e.g. 8GiB (default: free memory of GPU 0 as dlab gpu reports it, else free RAM for the cpu)', sizeArg)
    .option('--json', 'print one JSON object');
  cmd.action(async (repoId: string, flags: Flags) => {
    const bad = checkRepoId(repoId);
    if (bad) cmd.error(`dlab pull: ${bad}`);
    try {
      const result = await pull(repoId, {
        revision: flags.revision,
        include: flags.include,
        force: flags.force,
        device: () => deviceMemory(flags.gpuMemory),
        progress: flags.json ? undefined : pullProgressBar(),
      });
      if (flags.json) {
        console.log(JSON.stringify(result));
        return;
      }
      const count = (s: string) => result.files.filter((f) => f.status === s).length;
      const bytes = result.files.filter((f) => f.status === 'downloaded').reduce((n, f) => n + f.size, 0);
      const lines = [];
      if (result.fit) lines.push(`fit: ${result.fit.message}`);
      else lines.push('fit: no safetensors weights among these files, no fit check');
      lines.push(
        result.offline
          ? `${repoId} @ ${result.revision} (${result.commit}): ${result.files.length} files, all from the cache (offline)`
          : `${repoId} @ ${result.revision} (${result.commit}): ${result.files.length} files, ${count('downloaded')} downloaded (${gib(bytes)}), ${count('cached')} already cached, ${count('linked')} linked to blobs already cached`,
        result.snapshot,
      );
      console.log(lines.join('\n'));
    } catch (e) {
      cmd.error(`dlab pull: ${(e as Error).message}`);
    }
  });
}
