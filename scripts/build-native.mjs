// Build the native CPU backend (binding.gyp -> build/Release/dlab_native.node) with node-gyp.
// `npm install` runs this: it never fails the install. Without a compiler, Python or the Node
// headers it prints one line and dlab runs on wasm. Nothing is downloaded: the headers come
// from npm's `nodedir` or from the Node installation itself (<prefix>/include/node).
//   node scripts/build-native.mjs            (install: quiet, exit 0 whatever happens)
//   node scripts/build-native.mjs --strict   (npm run build:native: full output, fails on error)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const strict = process.argv.includes('--strict');

function skip(reason) {
  if (strict) {
    console.error(`dlab: native CPU kernels not built (${reason})`);
    process.exit(1);
  }
  console.log(`dlab: native CPU kernels not built (${reason}); dlab runs on wasm`);
  process.exit(0);
}

/** node-gyp's entry: npm's own (npm sets npm_config_node_gyp for lifecycle scripts), else a copy beside this Node. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency here
  }
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const bin = dirname(process.execPath);
  candidates.push(join(bin, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(bin, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** Where the Node headers are, so node-gyp never downloads them. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && existsSync(join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return null;
}

/** Whether `command --version` runs (the tools node-gyp needs on a Unix-like system). */
function runs(command) {
  const r = spawnSync(command, ['--version'], { stdio: 'ignore', shell: false });
  return !r.error && r.status === 0;
}

if (process.env.DLAB_SKIP_NATIVE) skip('DLAB_SKIP_NATIVE is set');
if (process.platform !== 'win32') {
  const cxx = (process.env.CXX ?? 'c++').split(' ')[0];
  if (!runs(cxx)) skip(`no C++ compiler (${cxx}); install g++ or set CXX`);
  if (!runs('make')) skip('no make');
}
const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found');
const nodedir = findNodeDir();
if (!nodedir) skip(`no Node headers under ${dirname(dirname(process.execPath))}/include/node`);

const result = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--jobs=${strict ? 'max' : '2'}`], {
  cwd: root,
  encoding: 'utf8',
  stdio: strict ? 'inherit' : 'pipe',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
if (result.error) skip(result.error.message);
if (result.status !== 0) {
  const lines = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /error/i.test(l) && !/^gyp (ERR|info)/.test(l)) ?? lines.find((l) => /^gyp ERR! stack Error/.test(l)) ?? `node-gyp exited with ${result.status}`;
  skip(reason.replace(/^gyp ERR! stack /, '').slice(0, 200));
}
if (strict) console.log('dlab: native CPU kernels built (build/Release/dlab_native.node)');
