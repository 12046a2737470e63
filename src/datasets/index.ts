// torchvision.datasets for Node: the datasets, the file-system FileSource they default to (through
// the '#dataset-files' import, see default_source.ts) and the download and image helpers.

export { MNIST, FashionMNIST, type MNISTOptions, type MNISTSpec } from './mnist.js';
export { parseIdx, encodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray } from './idx.js';
export { MissingDataError, type FileSource, type FileRequest, type RawFile, type PackageCopy } from './source.js';
export { setDefaultFileSource, getDefaultFileSource } from './default_source.js';
export { nodeFileSource, md5, shippedDataDir, locateFolder } from './files.node.js';
export { type Location } from './source.js';
export { getFashionMnistLabels } from './mnist.js';
export { CIFAR10, parseCifarBatch, type CIFAR10Options } from './cifar.js';
export { readTar, writeTar, type TarEntry } from './tar.js';
export {
  TIME_MACHINE, preprocessLine, splitLines, timeMachineText, readTimeMachine, downloadTimeMachine,
  loadCorpusTimeMachine, loadDataTimeMachine, type TimeMachineOptions,
} from './time_machine.js';
export {
  D2L_DATA_URL, KAGGLE_HOUSE_TRAIN, KAGGLE_HOUSE_TEST, readHousePrices, readHousePricesFiles, validateHousePrices, loadHousePrices, preprocessHousePrices,
  type HousePricesOptions, type HousePricesData,
} from './house_prices.js';
export { syntheticData, type SyntheticOptions } from './synthetic.js';
export {
  downloadFile, expectedChecksum, missingFileError, ChecksumError, DownloadError, HttpError, StalledError, PARTIAL_SUFFIX,
  DEFAULT_TIMEOUTS, type RemoteFile, type DownloadIO, type DownloadOptions, type DownloadProgress, type DownloadTimeouts, type HashAlgorithm,
} from './download.js';
export { dataRoot, ensureFile, findFile, verifyFile, hashFile, nodeDownloadIO, type EnsureOptions, type FindOptions } from './download.node.js';
// Looking at data (Node: PNG files).
export { saveImage, savePredictions, encodePng, readPng, type PredictionCell, type SavePredictionsOptions } from '../data/save_image.node.js';
// The 2-D toy sets of TensorFlow Playground (browser-safe: pages import './toy.js' directly).
export * from './toy.js';
