// Where a hub repo id's files are on disk: the snapshot of its main branch in the Hugging Face
// cache, the layout huggingface_hub writes ($HF_HOME/hub/models--org--name/snapshots/<commit>,
// with refs/main holding the commit). Offline: it only reads what a pull already put there.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A hub repo id: org/name. */
export const isRepoId = (s: string) => /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(s);

/** The hub cache: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub (HF_HOME: $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface). */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** The folder of `repoId`'s main-branch snapshot in the cache; the error says how to get it there. */
export function resolveHubSnapshot(repoId: string, env: NodeJS.ProcessEnv = process.env): string {
  const repo = join(hubCacheDir(env), `models--${repoId.split('/').join('--')}`);
  const ref = join(repo, 'refs', 'main');
  const pull = `run \`dlab pull ${repoId}\` first (generate works offline, from the cache)`;
  if (!existsSync(ref)) throw new Error(`${repoId} is not in the hub cache: ${ref} is missing; ${pull}`);
  const commit = readFileSync(ref, 'utf8').trim();
  const snapshot = join(repo, 'snapshots', commit);
  if (!existsSync(snapshot)) throw new Error(`${repoId}: refs/main names commit ${commit}, but ${snapshot} is missing; ${pull}`);
  return snapshot;
}
