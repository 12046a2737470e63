// torchvision.datasets for Node: the datasets, with the file-system FileSource installed as the
// default. (A browser entry would install its own source or pass the bytes to each dataset.)

import { setDefaultFileSource } from './source.js';
import { nodeFileSource } from './files.node.js';

setDefaultFileSource(nodeFileSource);

export { MNIST, FashionMNIST, type MNISTOptions, type MNISTSpec } from './mnist.js';
export { parseIdx, encodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray } from './idx.js';
export { setDefaultFileSource, getDefaultFileSource, type FileSource, type FileRequest, type RawFile, type PackageCopy } from './source.js';
export { nodeFileSource, md5 } from './files.node.js';
