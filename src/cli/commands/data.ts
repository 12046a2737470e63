// `dlab data <name> [--root dir] [--info]`: find a data set's files (downloading comes later) and
// describe it: split sizes, image shape, classes and the folder the files were read from.

import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FashionMNIST, MNIST, nodeFileSource, type MNISTSpec } from '../../datasets/index.js';

const require = createRequire(import.meta.url);

type MNISTLike = typeof MNIST;

/** The data sets the CLI knows, by their command-line name. */
const datasets: Record<string, MNISTLike> = {
  mnist: MNIST,
  'fashion-mnist': FashionMNIST as MNISTLike,
};

export interface DataInfo {
  name: string;
  train: number;
  test: number;
  shape: number[];
  classes: number;
  path: string;
}

/**
 * The folder the training images were read from. The file source decides where a file is found;
 * this asks it again one location at a time (its cache makes that cheap) and names the folder.
 */
function locate(spec: MNISTSpec, root: string): string {
  const file = spec.train.images;
  const found = (request: Parameters<typeof nodeFileSource.load>[0]): boolean => {
    try {
      nodeFileSource.load(request);
      return true;
    } catch {
      return false;
    }
  };
  if (found({ folder: spec.folder, file, root, packages: [] })) return resolve(root, spec.folder, 'raw');
  for (const copy of spec.packages) {
    if (found({ folder: spec.folder, file, packages: [copy] })) {
      return join(dirname(require.resolve(`${copy.package}/package.json`)), copy.dir);
    }
  }
  return '';
}

export function describeData(name: string, root: string): DataInfo {
  const Dataset = datasets[name];
  if (!Dataset) throw new Error(`unknown data set '${name}'; known data sets: ${Object.keys(datasets).join(', ')}`);
  const train = new Dataset({ root, train: true });
  const test = new Dataset({ root, train: false });
  const [, h, w] = train.data.shape;
  return {
    name,
    train: train.length,
    test: test.length,
    shape: [1, h, w],
    classes: train.classes.length,
    path: locate(Dataset.spec, root),
  };
}

/** `dlab data`: locate a data set and print what it holds. */
export function registerData(program: Command): void {
  const cmd = program
    .command('data')
    .description(`locate a data set and describe it (${Object.keys(datasets).join(', ')})`)
    .argument('<name>', `data set name: ${Object.keys(datasets).join(', ')}`)
    .option('--root <dir>', 'folder holding <DataSet>/raw/* (torchvision layout)', 'data')
    .option('--info', 'print one JSON object: name, train, test, shape, classes, path');
  cmd.action((name: string, flags: { root: string; info?: boolean }) => {
    let info: DataInfo;
    try {
      info = describeData(name, flags.root);
    } catch (e) {
      return cmd.error(`dlab data: ${(e as Error).message}`);
    }
    if (flags.info) {
      console.log(JSON.stringify(info));
      return;
    }
    const classes = datasets[name].spec.classes;
    console.log(
      [
        `${info.name}`,
        `  train:   ${info.train} images`,
        `  test:    ${info.test} images`,
        `  shape:   [${info.shape.join(', ')}]`,
        `  classes: ${info.classes} (${classes.join(', ')})`,
        `  path:    ${info.path}`,
      ].join('\n'),
    );
  });
}
