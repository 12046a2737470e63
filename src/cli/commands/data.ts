// `dlab data <name> [--root dir] [--info] [--no-download]`: find a data set's files (downloading
// what is missing, into the data root) and describe it: split sizes, sample shape, classes and
// where the files are.

import { dirname } from 'node:path';
import type { Command } from 'commander';
import {
  CIFAR10, FashionMNIST, MNIST, TIME_MACHINE, KAGGLE_HOUSE_TRAIN, dataRoot, downloadTimeMachine, loadCorpusTimeMachine,
  findFile, loadHousePrices, locateFolder, nodeFileSource, preprocessHousePrices, readTimeMachine, shippedDataDir,
  type MNISTSpec, type RemoteFile,
} from '../../datasets/index.js';

export interface DataInfo {
  name: string;
  /** Training examples (for a text: tokens of the character corpus). */
  train: number;
  /** Test examples (0 when the data set has no test split). */
  test: number;
  /** Shape of one example ([C, H, W] for images, [features] for tables, [1] token for a text). */
  shape: number[];
  /** Number of classes (the vocabulary size for a text, 0 for regression). */
  classes: number;
  /** Where the files are. */
  path: string;
}

interface Described {
  info: DataInfo;
  /** Extra lines for the readable summary. */
  details: string[];
}

interface Options {
  root: string;
  download: boolean;
}

async function describeMnist(name: string, Dataset: typeof MNIST, { root, download }: Options): Promise<Described> {
  const train = await Dataset.create({ root, train: true, download });
  const test = await Dataset.create({ root, train: false, download });
  const [, h, w] = train.data.shape;
  const spec: MNISTSpec = Dataset.spec;
  return {
    info: {
      name,
      train: train.length,
      test: test.length,
      shape: [1, h, w],
      classes: train.classes.length,
      path: locateFolder({ folder: spec.folder, file: spec.train.images, root, packages: spec.packages }),
    },
    details: [`  classes: ${train.classes.length} (${train.classes.join(', ')})`],
  };
}

const describers: Record<string, (name: string, options: Options) => Promise<Described>> = {
  mnist: (name, o) => describeMnist(name, MNIST, o),
  'fashion-mnist': (name, o) => describeMnist(name, FashionMNIST as typeof MNIST, o),

  async cifar10(name, { root, download }) {
    const train = await CIFAR10.create({ root, train: true, download });
    const test = new CIFAR10({ root, train: false });
    return {
      info: { name, train: train.length, test: test.length, shape: [3, 32, 32], classes: train.classes.length, path: nodeFileSource.resolvePath!(CIFAR10.folder, { root }) },
      details: [`  classes: ${train.classes.length} (${train.classes.join(', ')})`],
    };
  },

  async 'time-machine'(name, { root, download }) {
    if (download) await downloadTimeMachine({ root });
    const lines = readTimeMachine({ root });
    const [corpus, vocab] = loadCorpusTimeMachine(-1, { root });
    const words = lines.join(' ').split(' ').filter((w) => w !== '').length;
    return {
      info: { name, train: corpus.length, test: 0, shape: [1], classes: vocab.length, path: dirname(fileOf(TIME_MACHINE, root)) },
      details: [
        `  text:    ${lines.length} lines, ${words} words, ${corpus.length} characters (d2l preprocessing: letters and spaces, lowercase)`,
        `  vocab:   ${vocab.length} character tokens (${vocab.idxToToken.map((t) => JSON.stringify(t)).join(' ')})`,
      ],
    };
  },

  async 'house-prices'(name, { root, download }) {
    const { train, test } = await loadHousePrices({ root, download });
    const data = preprocessHousePrices(train, test);
    return {
      info: { name, train: train.length, test: test.length, shape: [data.columns.length], classes: 0, path: dirname(fileOf(KAGGLE_HOUSE_TRAIN, root)) },
      details: [
        `  raw:     ${train.shape[1]} columns in train (Id, ${train.shape[1] - 2} features, SalePrice), ${test.shape[1]} in test`,
        `  features after d2l preprocessing: ${data.columns.length} (standardized numeric, one-hot categoricals with NaN)`,
        '  target:  SalePrice (regression)',
      ],
    };
  },
};

/** Where a d2l file was found: under the data root, or the copy shipped with dlab. */
function fileOf(file: RemoteFile, root: string): string {
  return findFile(file, { root, lookIn: [shippedDataDir] }) ?? nodeFileSource.resolvePath!(file.path, { root });
}

export const dataSetNames = Object.keys(describers);

export async function describeData(name: string, root: string = dataRoot(), options: { download?: boolean } = {}): Promise<Described> {
  const describe = describers[name];
  if (!describe) throw new Error(`unknown data set '${name}'; known data sets: ${dataSetNames.join(', ')}`);
  return describe(name, { root, download: options.download ?? true });
}

/** `dlab data`: locate (or download) a data set and print what it holds. */
export function registerData(program: Command): void {
  const cmd = program
    .command('data')
    .description(`download or locate a data set and describe it (${dataSetNames.join(', ')})`)
    .argument('<name>', `data set name: ${dataSetNames.join(', ')}`)
    .option('--root <dir>', 'data root (default: $DLAB_DATA or ~/.cache/dlab); MNIST-style sets use <root>/<DataSet>/raw/*')
    .option('--info', 'print one JSON object: name, train, test, shape, classes, path')
    .option('--no-download', 'only look for the files, do not fetch them');
  cmd.action(async (name: string, flags: { root?: string; info?: boolean; download: boolean }) => {
    let described: Described;
    try {
      described = await describeData(name, flags.root ?? dataRoot(), { download: flags.download });
    } catch (e) {
      return cmd.error(`dlab data: ${(e as Error).message}`);
    }
    const { info, details } = described;
    if (flags.info) {
      console.log(JSON.stringify(info));
      return;
    }
    const unit = name === 'time-machine' ? 'tokens' : name === 'house-prices' ? 'rows' : 'images';
    console.log(
      [
        `${info.name}`,
        `  train:   ${info.train} ${unit}`,
        `  test:    ${info.test} ${unit}`,
        `  shape:   [${info.shape.join(', ')}]`,
        ...details,
        `  path:    ${info.path}`,
      ].join('\n'),
    );
  });
}
