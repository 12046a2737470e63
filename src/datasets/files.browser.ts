// The browser side of the '#dataset-files' import (default_source.ts): a page has no file system,
// so datasets have no default FileSource there; a page passes { source } or the bytes themselves.

import type { FileSource } from './source.js';

export const hostFileSource: FileSource | undefined = undefined;
