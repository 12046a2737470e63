// Model folders: config.json + model.safetensors, written and read back; broken folders named.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { manualSeed, nn } from '../../src/index.js';
import { loadFile } from '../../src/io/files.node.js';
import { loadModelFolder, saveModelFolder, type ModelConfig } from '../../src/io/model_folder.node.js';

const root = mkdtempSync(join(tmpdir(), 'dlab-model-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

const build = (c: ModelConfig) => {
  if (c.model_type !== 'mlp') throw new Error(`unknown model_type '${c.model_type}'`);
  return new nn.Sequential(new nn.Linear(c.inputs as number, c.hidden as number), new nn.ReLU(), new nn.Linear(c.hidden as number, 2));
};

test('a saved folder loads back into the same model, weights and config', () => {
  manualSeed(0);
  const config = { model_type: 'mlp', inputs: 3, hidden: 5 };
  const model = build(config);
  const dir = join(root, 'mlp');
  saveModelFolder(dir, model, config);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), config);
  assert.deepEqual(Object.keys(loadFile(join(dir, 'model.safetensors')).tensors).sort(), ['0.bias', '0.weight', '2.bias', '2.weight']);
  manualSeed(1);
  const { model: loaded, config: read } = loadModelFolder(dir, build);
  assert.deepEqual(read, config);
  for (const [k, v] of Object.entries(model.stateDict())) assert.deepEqual(loaded.stateDict()[k].tolist(), v.tolist(), k);
});

test('a missing file, bad JSON, an unknown type and mismatched weights are named', () => {
  const dir = join(root, 'broken');
  assert.throws(() => loadModelFolder(dir, build), /broken is not a model folder: .*config\.json is missing/);
  saveModelFolder(dir, build({ model_type: 'mlp', inputs: 3, hidden: 5 }), { model_type: 'mlp', inputs: 3, hidden: 5 });
  writeFileSync(join(dir, 'config.json'), '{ "model_type": ');
  assert.throws(() => loadModelFolder(dir, build), /config\.json: not valid JSON/);
  writeFileSync(join(dir, 'config.json'), '{ "model_type": "cnn" }');
  assert.throws(() => loadModelFolder(dir, build), /unknown model_type 'cnn'/);
  writeFileSync(join(dir, 'config.json'), '{ "model_type": "mlp", "inputs": 4, "hidden": 5 }');
  assert.throws(() => loadModelFolder(dir, build), /model\.safetensors: Error\(s\) in loading state_dict for Sequential:\n\s+size mismatch for 0\.weight/);
});

test('extra files (a tokenizer vocabulary) are written beside the weights; names that would clash or escape are refused', () => {
  const config = { model_type: 'mlp', inputs: 3, hidden: 5 };
  const dir = join(root, 'with-vocab');
  saveModelFolder(dir, build(config), config, { 'vocab.json': '["<pad>","a"]\n', 'raw.bin': new Uint8Array([1, 2, 3]) });
  assert.equal(readFileSync(join(dir, 'vocab.json'), 'utf8'), '["<pad>","a"]\n');
  assert.deepEqual([...readFileSync(join(dir, 'raw.bin'))], [1, 2, 3]);
  for (const name of ['config.json', 'model.safetensors', '../x.json', 'sub/x.json', '..']) {
    assert.throws(() => saveModelFolder(join(root, 'bad'), build(config), config, { [name]: 'x' }), new RegExp(`'${name.replace(/\./g, '\\.')}' cannot be an extra file of a model folder`));
  }
});
