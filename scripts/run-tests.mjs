// Runs test/**/*.test.ts with Node's test runner. Node 20's --test does not
// expand globs, so the file list is built here and passed explicitly.
// Usage: node scripts/run-tests.mjs [filter...]   e.g. test/random.test.ts
// A file runs if its path (relative to the package root) contains a filter.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const toPosix = (p) => p.replaceAll('\\', '/').replace(/^\.\//, '');
const filters = process.argv.slice(2).map(toPosix);
const files = readdirSync('test', { recursive: true })
  .map((f) => toPosix(join('test', f)))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match: ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}

/**
 * The environment of the test processes. On Linux the webgpu tests run on SwiftShader, a software
 * Vulkan driver that @sparticuz/chromium unpacks into the OS temp folder with a Vulkan loader:
 * Dawn needs VK_ICD_FILENAMES on the driver, XDG_RUNTIME_DIR set, and, where the system has no
 * loader, LD_LIBRARY_PATH on the temp folder (read at process start, hence set here, before the
 * spawn). A VK_ICD_FILENAMES already set (a real GPU's driver) is kept.
 */
async function gpuEnv() {
  const env = { ...process.env };
  if (process.platform !== 'linux' || env.VK_ICD_FILENAMES) return env;
  const { chromiumPath } = await import('./chromium-path.mjs');
  await chromiumPath();
  const dir = tmpdir();
  const icd = join(dir, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) return env;
  env.VK_ICD_FILENAMES = icd;
  env.XDG_RUNTIME_DIR ??= dir;
  const systemLoader = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu']
    .some((d) => existsSync(join(d, 'libvulkan.so.1')));
  if (!systemLoader) env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${dir}${delimiter}${env.LD_LIBRARY_PATH}` : dir;
  return env;
}

/**
 * test/webgpu-bridge/register.ts adds a backend named 'webgpu' to every test process, so the suites
 * that loop over listBackends() run their cases on the WebGPU kernels too (see TESTING.md).
 * DLAB_TEST_WEBGPU=0 turns that pass off, and says so.
 */
const webgpuPass = process.env.DLAB_TEST_WEBGPU !== '0';
if (!webgpuPass) console.log('# DLAB_TEST_WEBGPU=0: the suites run without their webgpu pass');

const { status } = spawnSync(
  process.execPath,
  ['--import', 'tsx', ...(webgpuPass ? ['--import', './test/webgpu-bridge/register.ts'] : []), '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: await gpuEnv() },
);
process.exit(status ?? 1); // null status: killed by a signal
