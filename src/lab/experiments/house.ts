// d2l 5.7 (4.10): predicting house prices on Kaggle. d2l's preprocessing (numeric columns
// standardized, their missing values 0, categoricals one-hot with a missing indicator), a linear
// model trained with Adam on the squared error, judged by the log-RMSE Kaggle scores; K-fold
// cross-validation says how well it generalizes (each fold, mean and spread), then a final model
// on all the training data writes submission.csv for Kaggle into the run's folder.
// Default data: d2l's two CSVs (`dlab data house-prices` fetches them); --train/--test take the
// user's own Kaggle files.

import * as torch from '../../index.js';
import { nn, optim } from '../../index.js';
import { TensorDataset } from '../../data/index.js';
import { getKFoldData } from '../../data/kfold.js';
import { StatefulDataLoader } from '../../io/checkpoint.js';
import { KAGGLE_HOUSE_TEST, KAGGLE_HOUSE_TRAIN, preprocessHousePrices, readHousePrices, readHousePricesFiles } from '../../datasets/house_prices.js';
import { getDefaultFileSource } from '../../datasets/default_source.js';
import { meanStd, type DataFrame } from '../../data/tabular.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lineChart } from '../artifact.js';
import { deviceOption, useDevice } from '../device.js';
import { defineExperiment, finiteLoss, type RunContext } from '../experiment.js';
import { LateState } from '../late-state.js';
import { StepValues } from '../step-values.js';

/** d2l's log_rmse: predictions below 1 are clipped to 1 (the log of a price), then the RMSE of the logs. */
export function logRmse(net: nn.Module, features: Tensor, labels: Tensor): number {
  return Math.sqrt(logMse(net, features, labels).item());
}

/** The square of logRmse, as a tensor on the model's device (read when the loop reads). */
const logMse = (net: nn.Module, features: Tensor, labels: Tensor): Tensor =>
  torch.noGrad(() => new nn.MSELoss().call((net.call(features) as Tensor).clamp(1, null).log(), labels.log()));

interface Curve {
  train: number[];
  valid: number[];
}

/** What a checkpoint keeps besides the model: where it is (phase k = the final model) and the results so far. */
interface Progress {
  phase: number;
  curves: Curve[];
}

function loadTables(o: { train: string; test: string; root: string }, ctx: RunContext): { train: DataFrame; test: DataFrame } {
  if (Boolean(o.train) !== Boolean(o.test)) throw new Error(`--train and --test go together (got ${o.train ? `--train ${o.train}` : `--test ${o.test}`} alone)`);
  if (o.train) {
    const { train, test, notices } = readHousePricesFiles({ train: o.train, test: o.test });
    for (const n of notices) ctx.print(n);
    return { train, test };
  }
  const source = getDefaultFileSource();
  const where = { root: o.root || undefined };
  const missing = [KAGGLE_HOUSE_TRAIN, KAGGLE_HOUSE_TEST].filter((f) => !source.hasRemote?.(f, where));
  if (missing.length) {
    throw new Error(
      `d2l's house-price files are not here (${missing.map((f) => f.path).join(', ')}): ` +
        'run `dlab data house-prices` to download them (SHA-1 checked), or pass your own Kaggle CSVs with --train FILE --test FILE.',
    );
  }
  return readHousePrices(where);
}

export const house = defineExperiment({
  name: 'house',
  summary: "d2l's Kaggle house prices: preprocessing, log-RMSE, K-fold cross-validation, a final model and submission.csv",
  options: {
    k: { default: 5, integer: true, min: 2, help: 'folds of the cross-validation' },
    epochs: { default: 100, integer: true, min: 1, help: 'passes over the training rows, per fold and for the final model' },
    lr: { default: 5, positive: true, help: 'Adam learning rate (d2l: 5; the targets are raw prices)' },
    weightDecay: { default: 0, min: 0, help: 'L2 weight decay (Adam weight_decay)' },
    batchSize: { default: 64, integer: true, min: 1, help: 'minibatch size' },
    train: { default: '', help: 'your own Kaggle train.csv (Id, features, SalePrice); with --test' },
    test: { default: '', help: 'your own Kaggle test.csv (Id, features); with --train' },
    root: { default: '', help: "data root holding d2l's CSVs (default: $DLAB_DATA or ~/.cache/dlab)" },
    seed: { default: 0, integer: true, min: 0, help: 'random seed (weights and shuffling)' },
    device: deviceOption,
  },

  async run(o, ctx) {
    const device = await useDevice(o.device);
    torch.manualSeed(o.seed);
    const tables = loadTables(o, ctx);
    const data = preprocessHousePrices(tables.train, tables.test);
    const [n, features] = data.trainFeatures.shape;
    ctx.print(`train ${n} rows, test ${data.testFeatures.shape[0]} rows, ${features} features after preprocessing`);
    if (Math.floor(n / o.k) === 0) throw new Error(`--k ${o.k}: ${n} training rows cannot fill ${o.k} folds`);

    // Phases 0..k-1 are the folds, phase k the final model; a resume loads into the first model and
    // optimizer made, whichever phase wrote the checkpoint (late-state.ts).
    // Made on the CPU (the same draws), then moved; before the resume, which loads onto the model's device.
    const makeModel = () => new nn.Linear(features, 1).to(device);
    const makeOptimizer = (m: nn.Module) => new optim.Adam(m.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
    let model = makeModel();
    let optimizer = makeOptimizer(model);
    const loaderSlot = new LateState();
    const state = () => ({ model, optimizer, loader: loaderSlot });
    const resumed = ctx.resume(state());
    let progress: Progress = (resumed?.extra as Progress | undefined) ?? { phase: 0, curves: [] };
    let step = resumed?.step ?? 0;
    const lossFn = new nn.MSELoss();
    // Each step's loss (checked finite) and each epoch's log-RMSEs: on a GPU read at the epoch's end, in one await.
    let curve: Curve = { train: [], valid: [] };
    const values = new StepValues<{ epoch: number; step: number } | 'train' | 'valid'>(device, (value, what) => {
      if (typeof what === 'object') finiteLoss(value, what);
      else curve[what].push(Math.sqrt(value));
    });
    const testFeatures = data.testFeatures.to(device);

    for (let phase = progress.phase; phase <= o.k; phase++) {
      const final = phase === o.k;
      const split = final ? { xTrain: data.trainFeatures, yTrain: data.trainLabels } : getKFoldData(o.k, phase, data.trainFeatures, data.trainLabels);
      const [xTrain, yTrain] = [split.xTrain.to(device), split.yTrain.to(device)];
      const valid = 'xValid' in split ? [split.xValid.to(device), split.yValid.to(device)] : null;
      const resuming = resumed !== undefined && phase === resumed.extra.phase;
      if (!resuming && phase > 0) {
        model = makeModel();
        optimizer = makeOptimizer(model);
      }
      const loader = new StatefulDataLoader(new TensorDataset(split.xTrain, split.yTrain), { batchSize: o.batchSize, shuffle: true });
      loaderSlot.bind(loader);
      curve = resuming ? progress.curves[phase] : { train: [], valid: [] };
      progress = { phase, curves: [...progress.curves.slice(0, phase), curve] };
      const label = final ? 'final' : `fold ${phase + 1}/${o.k}`;
      const bar = ctx.progress(o.epochs, label);
      for (let epoch = (resuming ? resumed.epoch : 1); epoch <= o.epochs; epoch++) {
        for (const [x, y] of loader) {
          values.run(() => {
            const loss = lossFn.call(model.call(x.to(device)) as Tensor, y.to(device));
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            values.add(loss, { epoch, step: ++step });
          });
          if (values.due) await values.read();
          await ctx.checkpoint(state(), { epoch, step, extra: async () => (await values.read(), { ...progress }) });
        }
        values.run(() => {
          values.add(logMse(model, xTrain, yTrain), 'train');
          if (valid) values.add(logMse(model, valid[0], valid[1]), 'valid');
        });
        await values.read();
        const prefix = final ? 'final_' : `fold${phase + 1}_`;
        ctx.log({ [`${prefix}train_log_rmse`]: curve.train.at(-1)!, ...('xValid' in split ? { [`${prefix}valid_log_rmse`]: curve.valid.at(-1)! } : {}) }, { epoch });
        bar.update(epoch, { train: curve.train.at(-1)!, ...(curve.valid.length ? { valid: curve.valid.at(-1)! } : {}) });
      }
      bar.finish();
      if (!final) ctx.print(`fold ${phase + 1}: train log rmse ${curve.train.at(-1)!.toFixed(6)}, valid log rmse ${curve.valid.at(-1)!.toFixed(6)}`);
    }

    const folds = progress.curves.slice(0, o.k);
    const trainEnd = folds.map((c) => c.train.at(-1)!);
    const validEnd = folds.map((c) => c.valid.at(-1)!);
    const valid = meanStd(Float64Array.from(validEnd));
    const train = meanStd(Float64Array.from(trainEnd));
    const finalTrain = progress.curves[o.k].train.at(-1)!;
    ctx.artifact('folds', {
      kind: 'table',
      title: `${o.k}-fold cross-validation: log-RMSE after ${o.epochs} epochs`,
      columns: ['fold', 'train log-RMSE', 'valid log-RMSE'],
      rows: [
        ...folds.map((_, i) => [i + 1, round(trainEnd[i]), round(validEnd[i])]),
        ['mean', round(train.mean), round(valid.mean)],
        ['std', round(train.std), round(valid.std)],
      ],
      caption: 'Each fold trains a fresh model on the other folds and is scored on itself (Kaggle scores the log-RMSE too).',
    });
    ctx.artifact('curves', {
      kind: 'chart',
      title: 'log-RMSE per epoch',
      spec: lineChart(
        'log-RMSE per epoch (fold 1, as d2l plots it, and the final model)',
        [
          ...folds[0].train.map((y, i) => ({ x: i + 1, y, series: 'fold 1 train' })),
          ...folds[0].valid.map((y, i) => ({ x: i + 1, y, series: 'fold 1 valid' })),
          ...progress.curves[o.k].train.map((y, i) => ({ x: i + 1, y, series: 'final model, all rows' })),
        ],
        { x: 'epoch', y: 'log-RMSE', logY: true },
      ),
    });

    const predictions = (await torch.noGrad(() => (model.call(testFeatures) as Tensor).reshape(-1)).tolistAsync()) as number[];
    const ids = data.testIds.length ? data.testIds : predictions.map((_, i) => i + 1);
    ctx.artifact('submission.csv', {
      kind: 'file',
      title: 'Kaggle submission',
      text: ['Id,SalePrice', ...predictions.map((p, i) => `${ids[i]},${p}`)].join('\n') + '\n',
      caption: `${predictions.length} predictions of the final model (Id,SalePrice), ready to upload to Kaggle.`,
    });
    const gap = valid.mean - train.mean;
    ctx.artifact('findings', {
      kind: 'text',
      title: 'How well does it generalize?',
      paragraphs: [
        `${o.k}-fold validation log-RMSE ${valid.mean.toFixed(4)} ± ${valid.std.toFixed(4)} (mean ± std over folds; ` +
          `train ${train.mean.toFixed(4)}): ${gap > 0.5 * train.mean ? 'the validation error is well above the training error, so the model overfits; try --weight-decay' : 'validation and training error are close, so the model does not overfit much'}.`,
        `The final model, trained on all ${n} rows, reaches a training log-RMSE of ${finalTrain.toFixed(4)}; expect a Kaggle score near the cross-validated ${valid.mean.toFixed(4)}.`,
      ],
    });
    return {
      valid_log_rmse: valid.mean,
      valid_log_rmse_std: valid.std,
      train_log_rmse: train.mean,
      final_train_log_rmse: finalTrain,
      features,
    };
  },
});

const round = (v: number) => +v.toFixed(6);

