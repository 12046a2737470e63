// The environment a process needs to find a WebGPU adapter through Dawn (npm `webgpu`), shared by
// the test runner (scripts/run-tests.mjs) and the benchmark (bench/run.mjs). On Linux without a
// GPU driver set, it is SwiftShader, a software Vulkan driver that @sparticuz/chromium unpacks into
// the OS temp folder with a Vulkan loader: Dawn needs VK_ICD_FILENAMES on the driver,
// XDG_RUNTIME_DIR set, and, where the system has no loader, LD_LIBRARY_PATH on the temp folder
// (read at process start, hence set for a child process, before the spawn). A VK_ICD_FILENAMES
// already set (a real GPU's driver) is kept. Where the unpacker is absent (an installed package
// carries no scripts/chromium-path.mjs), the environment is returned as it is.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** `base` (default: this process's environment) with what Dawn needs to reach SwiftShader, where it is there. */
export async function gpuEnv(base = process.env) {
  const env = { ...base };
  if (process.platform !== 'linux' || env.VK_ICD_FILENAMES) return env;
  try {
    const { chromiumPath } = await import('../scripts/chromium-path.mjs');
    await chromiumPath();
  } catch {
    return env; // no software driver to unpack: a real GPU's loader and driver may still serve
  }
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
