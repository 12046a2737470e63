/// <reference types="node" />
// A hook for the tests of a run's lifecycle (signals, resume races), so they act at a known point
// instead of after a delay: DLAB_TEST_PAUSE_AT lists points (`step:12,report`; see the calls of
// pauseAt) where the process announces "dlab-test: <pid> paused at <point>" on stderr (and appends
// it to the file DLAB_TEST_PAUSE_LOG names, for a sweep's trials, whose stderr the test cannot
// read) and waits for a line on its stdin, or for `until`. Without the variable nothing happens.

import { appendFileSync } from 'node:fs';

const points = new Set((process.env.DLAB_TEST_PAUSE_AT ?? '').split(',').map((p) => p.trim()).filter(Boolean));

/** Whether DLAB_TEST_PAUSE_AT names any point (callers in a hot loop skip pauseAt otherwise). */
export const pausing = points.size > 0;

/** Pause here if DLAB_TEST_PAUSE_AT names `point`, until a line arrives on stdin or `until` settles. */
export async function pauseAt(point: string, until?: Promise<unknown>): Promise<void> {
  if (!points.has(point)) return;
  const line = `dlab-test: ${process.pid} paused at ${point}\n`;
  process.stderr.write(line);
  if (process.env.DLAB_TEST_PAUSE_LOG) appendFileSync(process.env.DLAB_TEST_PAUSE_LOG, line);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  process.stdin.once('data', release);
  await Promise.race(until ? [released, until] : [released]);
  process.stdin.off('data', release);
  // Reading stdin keeps the process alive; stop, so it can exit when done.
  process.stdin.pause();
}
