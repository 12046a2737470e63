// dlab fit's core: parameter counts from safetensors headers over HTTP range requests, against a
// local server on 127.0.0.1 that answers like the hub (no test touches the internet).
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hubServer, makeHub, requests } from './hub_server.js';
import { HubUnreachableError, fitTable, hubSource, inspectModel, parseSize } from '../../src/utils/fit.js';
import { folderSource } from '../../src/utils/fit_files.node.js';
import { fitCatalogue } from '../../src/utils/catalogue.js';
import { listGpus } from '../../src/utils/gpu.node.js';
import { closedPort } from '../ports.js';

let server: Server;
let endpoint = '';
const hub = makeHub();
before(async () => {
  server = hubServer(hub);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${addr.port}`;
});
after(() => server.close());

test('a sharded model: counts from both shards by range requests, KV cache from config.json', async () => {
  requests.length = 0;
  const sizes = await inspectModel(hubSource('test/tiny-lm', { endpoint }));
  assert.equal(sizes.params, 100 * 16 + 16 * 16 + 8 * 16 + 100 * 16);
  assert.deepEqual(sizes.parts[0].storedDtypes, { F32: sizes.params });
  assert.deepEqual(sizes.kvCache, { layers: 2, kvHeads: 2, headDim: 4, elementsPerToken: 2 * 2 * 2 * 4, maxContext: 128 });
  // Weights are never downloaded: every read of a .safetensors file is a ranged one.
  const reads = requests.filter((r) => r.url.endsWith('.safetensors'));
  assert.equal(reads.length, 4);
  assert.ok(reads.every((r) => r.range !== undefined));
  assert.deepEqual(reads.filter((r) => r.range === 'bytes=0-7').length, 2);
});

test('a diffusers pipeline sums its parts, taking the plain weights over variants', async () => {
  const sizes = await inspectModel(hubSource('test/tiny-sd', { endpoint }));
  assert.deepEqual(sizes.parts.map((p) => [p.name, p.params]), [['unet', 8 * 4 * 9 + 8], ['text_encoder', 400], ['vae', 12]]);
  assert.equal(sizes.params, 296 + 400 + 12);
  assert.equal(sizes.kvCache, null);
});

test('a local folder reads the same way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-fit-'));
  try {
    for (const [path, bytes] of hub.get('test/tiny-sd')!) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
    const sizes = await inspectModel(folderSource(dir));
    assert.equal(sizes.params, 708);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown repository is an error naming it', async () => {
  await assert.rejects(inspectModel(hubSource('test/missing', { endpoint })), /hub model 'test\/missing': HTTP 404/);
});

test('a hub that cannot be reached: the error names the URL and the cause, not only "fetch failed"', async () => {
  const port = await closedPort();
  await assert.rejects(
    inspectModel(hubSource('test/tiny-lm', { endpoint: `http://127.0.0.1:${port}` })),
    (e: Error) => {
      assert.ok(e instanceof HubUnreachableError);
      assert.equal(e.message, `cannot reach http://127.0.0.1:${port}/api/models/test/tiny-lm: fetch failed (ECONNREFUSED)`);
      return true;
    },
  );
});

test('sizes, memory per dtype and the offline catalogue', () => {
  assert.equal(parseSize('8GiB'), 8 * 2 ** 30);
  assert.equal(parseSize('8 GB'), 8e9);
  assert.equal(parseSize('8192MiB'), 8 * 2 ** 30);
  assert.equal(parseSize('24G'), 24 * 2 ** 30);
  assert.throws(() => parseSize('lots'), /bad size/);
  const t = fitTable(1e9, { gpuBytes: 8 * 2 ** 30 });
  const f16 = t.find((f) => f.dtype === 'float16')!;
  assert.equal(f16.inferenceBytes, Math.ceil(2e9 * 1.2));
  assert.equal(f16.fitsInference, true);
  assert.equal(f16.trainingBytes, Math.ceil(16e9 * 1.2));
  assert.equal(f16.fitsTraining, false);
  assert.equal(t.find((f) => f.dtype === 'int4')!.trainingBytes, null);
  // 4 GiB holds SD 1.5-class models in float16 but not SDXL (3.5B parameters: 8.3 GB).
  const small = fitCatalogue(4 * 2 ** 30);
  assert.ok(small.largest !== null);
  assert.ok(small.largest!.params < 2e9, small.largest!.model.id);
  const big = fitCatalogue(12 * 2 ** 30);
  assert.equal(big.largest!.model.id, 'stabilityai/stable-diffusion-xl-base-1.0');
  assert.equal(fitCatalogue(2 ** 30).largest?.model.id ?? null, null);
});

test('no nvidia-smi means no GPU list', () => {
  assert.equal(listGpus(join(tmpdir(), 'dlab-no-such-nvidia-smi')), null);
});
