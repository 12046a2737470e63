// torch.utils.data (plus torchvision.transforms as `transforms`): datasets, samplers, DataLoader.

export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, randomSplit, getItem, type MapDatasetLike } from './dataset.js';
export {
  Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler, randomInt64,
} from './sampler.js';
export { multinomial } from '../random/multinomial.js';
export { defaultCollate, defaultConvert, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions, type DatasetSource } from './dataloader.js';
export { getKFoldData, kFold, type KFoldSplit } from './kfold.js';
export { Image, ImageBatch, type ImageMode } from './image.js';
/** `torchvision.transforms`: Compose, ToTensor, Normalize, Resize, RandomCrop, RandomHorizontalFlip and the other common ones. */
export * as transforms from './transforms.js';
export { makeGrid, toImage, type MakeGridOptions } from './grid.js';
export { tokenize, countCorpus, Vocab, seqDataIterRandom, seqDataIterSequential, SeqDataLoader, type TokenKind, type VocabOptions, type SeqIterOptions } from './text.js';
export {
  DataFrame, readCsv, fromStrings, concatRows, standardize, imputeMean, fillNa, getDummies, meanStd, isNumeric, NA_VALUES, type Column,
} from './tabular.js';
