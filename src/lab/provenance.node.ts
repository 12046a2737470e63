/// <reference types="node" />
// Where a run came from: the code version (git describe when run from a checkout, else the
// package version) and the machine (CPU model and cores, OS, Node version, memory).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

// package.json sits two levels above both src/lab/ and dist/lab/.
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Machine {
  cpu: string;
  cores: number;
  os: string;
  node: string;
  memoryGb: number;
}

let version: string | undefined;

export function codeVersion(): string {
  if (version !== undefined) return version;
  const pkg = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version: string };
  version = pkg.version;
  if (existsSync(`${packageRoot}.git`)) {
    try {
      const described = execFileSync('git', ['describe', '--always', '--dirty', '--tags'], {
        cwd: packageRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5000,
      }).trim();
      if (described) version = `${pkg.version}+${described}`;
    } catch {
      // no git binary, or not a repository after all: the package version stands
    }
  }
  return version;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
  };
}
