// The browser side of the '#animator-sink' import (animator.ts): a page has no file to write, so
// an Animator keeps its points (animator.points, animator.spec()) unless given a sink.

import type { AnimatorSink } from './animator.js';

export function defaultAnimatorSink(_where: { name: string; path?: string }): AnimatorSink | undefined {
  return undefined;
}
