// commander argParsers for every command's flags, experiment options and the commands' own alike,
// from one rule type (lab/experiment.ts). A bad value stops the command while commander parses,
// before anything runs or is recorded, and commander's message names the flag and the value:
// "error: option '--epochs <value>' argument '1.5' is invalid. Expected a positive integer."

import { InvalidArgumentError } from 'commander';
import { expectedValue, parseValue, refusal, type Bounds, type GivenValue, type ValueRule } from '../lab/experiment.js';

/** One value the rule accepts (null: none, where the option takes none). */
export function valueParser<T extends GivenValue = GivenValue>(rule: ValueRule): (raw: string) => T {
  return (raw) => {
    const value = parseValue(rule, raw);
    if (value === undefined) {
      // 'expected ...' begins commander's sentence; a device's refusal is the device model's own.
      const why = refusal(rule, raw);
      throw new InvalidArgumentError(`${why.replace(/^expected/, 'Expected')}.`);
    }
    return value as T;
  };
}

/** A comma-separated list, each value one the rule accepts; the message names the first that is not. */
export function listParser<T extends GivenValue = GivenValue>(rule: ValueRule): (raw: string) => T[] {
  return (raw) =>
    raw.split(',').map((text) => {
      const value = parseValue(rule, text.trim());
      if (value === undefined) {
        // A device's refusal is the device model's own words; other values say what was expected.
        const why = rule.kind === 'device' ? `: ${refusal(rule, text.trim())}` : ` is not ${expectedValue(rule)}`;
        throw new InvalidArgumentError(`'${text.trim()}'${why}.`);
      }
      return value as T;
    });
}

export const integer = (bounds: Bounds = {}) => valueParser<number>({ kind: 'integer', ...bounds });
export const oneOf = <T extends string>(choices: readonly T[]) => valueParser<T>({ kind: 'string', choices });

/** A Redis URL (a sweep's queue): redis:// or rediss:// with a host. */
export const redisUrl = (raw: string): string => {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname) throw new InvalidArgumentError('Expected a Redis URL: redis://[:password@]host[:port][/db], or rediss:// for TLS.');
  return raw;
};

/** `--device`: cpu, webgpu or webgpu:N (dlab's devices; torch.device's own message for anything else). */
export const deviceFlag = (raw: string): string => {
  if (!/^(cpu|webgpu(:\d+)?)$/.test(raw)) throw new InvalidArgumentError("Expected cpu, webgpu or webgpu:N (dlab's GPU device is 'webgpu').");
  return raw;
};
