// Option rules (lab/experiment.ts): what each kind and bound accepts from command-line text, how
// a rule reads in a message, and an audit of every experiment's declarations.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectedValue, isValue, parseValue, resolveOptions, ruleOf, type ValueRule } from '../../src/lab/experiment.js';
import { experiments } from '../../src/lab/registry.js';

describe('option rules', () => {
  test('command-line text parses to a value the rule accepts, or to undefined', () => {
    const count: ValueRule = { kind: 'integer', min: 1 };
    assert.equal(parseValue(count, '3'), 3);
    for (const raw of ['0', '-1', '1.5', 'abc', '', ' ', 'Infinity', 'NaN']) assert.equal(parseValue(count, raw), undefined, raw);
    const lr: ValueRule = { kind: 'number', positive: true };
    assert.equal(parseValue(lr, '1e-3'), 0.001);
    assert.equal(parseValue(lr, '0'), undefined);
    const fraction: ValueRule = { kind: 'number', min: 0, max: 1 };
    assert.deepEqual(['0', '1', '0.5', '1.01', '-0.1'].map((raw) => parseValue(fraction, raw)), [0, 1, 0.5, undefined, undefined]);
    const flag: ValueRule = { kind: 'boolean' };
    assert.deepEqual(['true', '1', 'false', '0', 'yes'].map((raw) => parseValue(flag, raw)), [true, true, false, false, undefined]);
    const optimizer: ValueRule = { kind: 'string', choices: ['sgd', 'adam'] };
    assert.equal(parseValue(optimizer, 'adam'), 'adam');
    assert.equal(parseValue(optimizer, 'lbfgs'), undefined);
    assert.equal(isValue({ kind: 'integer' }, '3'), false);
  });

  test("an optional option also takes 'none' (null); others refuse it", () => {
    const limit: ValueRule = { kind: 'integer', min: 1, optional: true };
    assert.deepEqual(['none', ' none', '3', '0', 'None'].map((raw) => parseValue(limit, raw)), [null, null, 3, undefined, undefined]);
    assert.equal(parseValue({ kind: 'integer', min: 1 }, 'none'), undefined);
    assert.equal(isValue(limit, null), true);
    assert.equal(isValue({ kind: 'string' }, null), false);
    assert.equal(expectedValue(limit), 'a positive integer or none');
    assert.deepEqual(ruleOf({ default: null, type: 'number', positive: true, help: '' }), { kind: 'number', choices: undefined, min: undefined, max: undefined, positive: true, optional: true });
  });

  test('each rule reads as what it expects', () => {
    const cases: [ValueRule, string][] = [
      [{ kind: 'integer', min: 1 }, 'a positive integer'],
      [{ kind: 'integer', min: 0 }, 'a non-negative integer'],
      [{ kind: 'integer', min: -1 }, 'an integer >= -1'],
      [{ kind: 'integer', min: 0, max: 65535 }, 'an integer in [0, 65535]'],
      [{ kind: 'integer' }, 'an integer'],
      [{ kind: 'number', positive: true }, 'a positive number'],
      [{ kind: 'number', positive: true, max: 1 }, 'a number in (0, 1]'],
      [{ kind: 'number', min: 0 }, 'a non-negative number'],
      [{ kind: 'number', max: 1 }, 'a number <= 1'],
      [{ kind: 'boolean' }, 'true or false'],
      [{ kind: 'string', choices: ['sgd', 'adam'] }, 'one of sgd, adam'],
    ];
    for (const [rule, text] of cases) assert.equal(expectedValue(rule), text);
  });

  test("every experiment's numbers are declared with bounds, and its defaults obey them", () => {
    for (const experiment of experiments) {
      assert.doesNotThrow(() => resolveOptions(experiment, {}), experiment.name);
      for (const [key, spec] of Object.entries(experiment.options)) {
        const rule = ruleOf(spec);
        if (rule.kind !== 'integer' && rule.kind !== 'number') continue;
        assert.ok(rule.min !== undefined || rule.max !== undefined || rule.positive, `${experiment.name} --${key}: a number with no bounds`);
        // Counts and sizes are whole numbers.
        // No number stands for something else ('0: the model's default'): that is an option with none.
        assert.doesNotMatch(spec.help, /[(;] ?(0|-1|'')\s*:/, `${experiment.name} --${key}: a sentinel value in '${spec.help}'`);
        if (/size|epochs|steps|hidden|points|seed|num|examples|degree|harmonics|tokens|resize/i.test(key)) assert.equal(rule.kind, 'integer', `${experiment.name} --${key}`);
      }
    }
  });
});
