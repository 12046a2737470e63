/// <reference types="node" />
// dlab pull's progress bar on stderr (cli-progress, as the experiments' bars): one bar over the
// bytes of all files to download, naming the file in flight; off a terminal a plain line every 10 s.

import cliProgress from 'cli-progress';
import type { PullProgress } from './pull.node.js';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export function pullProgressBar(): PullProgress {
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let total = 0;
  let name = '';
  const payload = () => ({ file: name, mb: `${mib(done)}/${mib(total)} MiB` });
  return {
    start(totalBytes, files) {
      if (files === 0) return;
      total = totalBytes;
      bar = new cliProgress.SingleBar(
        {
          format: `pull |{bar}| {percentage}% {mb} {eta_formatted} left  {file}`,
          stream: process.stderr,
          hideCursor: true,
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 10_000,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0, payload());
    },
    file(path) {
      name = path;
      bar?.update(done, payload());
    },
    bytes(delta) {
      done += delta;
      bar?.update(done, payload());
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
