// Where a hub repo id's files are on disk: the snapshot of its main branch in the Hugging Face
// cache, the layout huggingface_hub writes ($HF_HOME/hub/models--org--name/snapshots/<commit>,
// with refs/main holding the commit). Offline: it only reads what a pull already put there. The
// cache folder and the repo's folder name are the hub client's (src/hub), so pull and generate agree.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoFolderName } from '../hub/layout.js';
import { hubSettings } from '../hub/settings.node.js';

/** A hub repo id: org/name. */
export const isRepoId = (s: string) => /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(s);

/** The folder of `repoId`'s main-branch snapshot in the cache; the error says how to get it there. */
export function resolveHubSnapshot(repoId: string, env: NodeJS.ProcessEnv = process.env): string {
  const repo = join(hubSettings(env).cacheDir, repoFolderName(repoId));
  const ref = join(repo, 'refs', 'main');
  const pull = `run \`dlab pull ${repoId}\` first (generate works offline, from the cache)`;
  if (!existsSync(ref)) throw new Error(`${repoId} is not in the hub cache: ${ref} is missing; ${pull}`);
  const commit = readFileSync(ref, 'utf8').trim();
  const snapshot = join(repo, 'snapshots', commit);
  if (!existsSync(snapshot)) throw new Error(`${repoId}: refs/main names commit ${commit}, but ${snapshot} is missing; ${pull}`);
  return snapshot;
}
