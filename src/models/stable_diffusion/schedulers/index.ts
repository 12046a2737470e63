// diffusers' schedulers by the class name scheduler_config.json gives (`_class_name`).

import { DDIMScheduler } from './ddim.js';
import { EulerAncestralDiscreteScheduler, EulerDiscreteScheduler } from './euler.js';
import { PNDMScheduler } from './pndm.js';
import type { Scheduler } from './scheduler.js';

export { DDIMScheduler } from './ddim.js';
export { PNDMScheduler } from './pndm.js';
export { EulerDiscreteScheduler, EulerAncestralDiscreteScheduler } from './euler.js';
export { alphasCumprod, spacedTimesteps, schedulerConfig, SCHEDULER_DEFAULTS, type SchedulerConfig } from './betas.js';
export type { Scheduler, StepOptions } from './scheduler.js';

const classes: Record<string, new (config: Record<string, unknown>) => Scheduler> = {
  DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler,
};

/** The class names `schedulerFromConfig` builds. */
export const schedulerNames = Object.keys(classes);

/**
 * A scheduler from a scheduler_config.json (its `_class_name`, or `className` to swap in another
 * with the same betas, as diffusers' `OtherScheduler.from_config(pipe.scheduler.config)` does).
 */
export function schedulerFromConfig(config: Record<string, unknown>, className?: string): Scheduler {
  const name = className ?? (config._class_name as string | undefined);
  if (!name) throw new Error('scheduler config has no _class_name; name the scheduler to build');
  const Ctor = classes[name];
  if (!Ctor) throw new Error(`scheduler '${name}' is not supported (supported: ${schedulerNames.join(', ')})`);
  return new Ctor(config);
}
