// The Chromium that the npm package @sparticuz/chromium carries, unpacked into the OS temp folder
// by its first executablePath() (~3 s; later calls find the files there). Besides the browser it
// unpacks SwiftShader's Vulkan driver (vk_swiftshader_icd.json, libvk_swiftshader.so) and the
// Vulkan loader (libvulkan.so.1): the software GPU the webgpu tests run on. Test processes run in
// parallel: one unpacks while the others wait on a lock, so none uses a half-written file.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import npmChromium from '@sparticuz/chromium';
import { lock } from 'proper-lockfile';

/** Unpack (once) and return the browser's path. */
export async function chromiumPath() {
  const dir = tmpdir();
  const release = await lock(dir, { lockfilePath: join(dir, 'dlab-chromium.lock'), retries: { retries: 60, maxTimeout: 1000 } });
  try {
    return await npmChromium.executablePath();
  } finally {
    await release();
  }
}
