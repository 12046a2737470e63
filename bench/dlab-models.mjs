// The bench's two dlab models and their input shapes, shared by dlab's peer (bench/peers/dlab.mjs)
// and tools/epoch-cpu-times.mjs, so both time the same networks. `nn` is dlab's (from dist/).

/** The MNIST MLP 784-128-10. */
export const mlp = (nn) => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));

/** LeNet-5 as d2l and LeCun lay it out, with ReLU and max-pooling (the benchmark's variant). */
export const lenet = (nn) =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );

/** A batch of n images as the model reads it. */
export const imageShape = (name, n) => (name === 'lenet' ? [n, 1, 28, 28] : [n, 784]);
