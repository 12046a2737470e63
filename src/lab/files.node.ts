// The file access a run gets in Node: reading the files a user names, keeping trained models in
// the run's folder as model folders (src/io/model_folder.node.ts).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { saveModelFolder } from '../io/model_folder.node.js';
import type { FileAccess } from './experiment.js';

export function nodeFileAccess(runDir: string): FileAccess {
  return {
    read(path) {
      try {
        return readFileSync(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (e as Error).message;
        throw new Error(`${resolve(path)}: ${why}`);
      }
    },
    saveModel(name, model, config, extra) {
      const dir = join(runDir, name);
      saveModelFolder(dir, model, config, extra);
      return dir;
    },
  };
}
