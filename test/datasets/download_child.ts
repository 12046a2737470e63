// Run by download.test.ts as one of two processes fetching the same file: ensureFile of
// argv [url, sha1, root], printing the path it returns. Its notes (waiting for the other
// download) go to stderr, which the test watches.
import { ensureFile } from '../../src/datasets/download.node.js';

const [url, sha1, root] = process.argv.slice(2);
const path = await ensureFile({ path: 'shared/data.bin', urls: [url], sha1 }, { root, progress: false });
console.log(path);
