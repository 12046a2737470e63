// The GPUs present, from nvidia-smi (when it is installed); an empty list otherwise.
/// <reference types="node" />
import { spawnSync } from 'node:child_process';

export interface GpuInfo {
  index: number;
  name: string;
  totalBytes: number;
  freeBytes: number;
}

/** nvidia-smi --query-gpu=index,name,memory.total,memory.free (MiB). Null when nvidia-smi is absent or fails. */
export function listGpus(command = process.env.DLAB_NVIDIA_SMI ?? 'nvidia-smi'): GpuInfo[] | null {
  const r = spawnSync(command, ['--query-gpu=index,name,memory.total,memory.free', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [index, name, total, free] = line.split(',').map((s) => s.trim());
      return { index: Number(index), name, totalBytes: Number(total) * 2 ** 20, freeBytes: Number(free) * 2 ** 20 };
    });
}
