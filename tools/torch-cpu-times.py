"""PyTorch's side of the native backend's measurements, in CPU time (a shared machine).

Usage: OMP_NUM_THREADS=T /usr/bin/python3 tools/torch-cpu-times.py THREADS WORKLOAD [N]
  WORKLOAD: matmul (N = size), mlp-step, lenet-step, mlp-infer, lenet-infer, alexnet-step (N = batch)
Prints one JSON line: the core OpenBLAS runs (OPENBLAS_CORETYPE or its own pick), the median and
minimum wall time and the median CPU time per repetition in ms. On a machine busier than its
cores, one thread's CPU time is what its wall time would be alone; with T threads the CPU time
is T busy threads' sum, so CPU / T is the unloaded wall time only where the threads scale.
Synthetic inputs, the shapes of scripts/profile-*-step.ts: a step costs the same on real MNIST.
"""
import json
import os
import sys
import time

import torch
from torch import nn

threads, work = int(sys.argv[1]), sys.argv[2]
arg = int(sys.argv[3]) if len(sys.argv) > 3 else 0
torch.set_num_threads(threads)
torch.manual_seed(0)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def alexnet():
    return nn.Sequential(
        nn.Conv2d(1, 96, 11, stride=4, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2), nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))


def step_fn(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


if work == "matmul":
    a, b = torch.rand(arg, arg) - 0.5, torch.rand(arg, arg) - 0.5
    fn, reps = (lambda: a @ b), max(100, min(400, round(4e9 / (2 * arg ** 3))))
elif work == "mlp-step":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    fn, reps = step_fn(model, torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))), 1000
elif work == "lenet-step":
    fn, reps = step_fn(lenet(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))), 200
elif work == "alexnet-step":
    fn, reps = step_fn(alexnet(), torch.randn(arg or 8, 1, 224, 224), torch.randint(0, 10, (arg or 8,))), 5
elif work in ("mlp-infer", "lenet-infer"):
    model = (nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)) if work == "mlp-infer" else lenet()).eval()
    x = torch.randn(1000, 1, 28, 28)

    def fn():
        with torch.no_grad():
            return model(x)
    reps = 200 if work == "mlp-infer" else 20
else:
    raise SystemExit(f"unknown workload {work}")

for _ in range(max(10, reps // 5)):
    fn()
walls, cpus = [], []
for _ in range(reps):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    walls.append((time.perf_counter() - t0) * 1e3)
    cpus.append((time.process_time() - c0) * 1e3)
walls.sort()
cpus.sort()
print(json.dumps({"torch": torch.__version__, "core": os.environ.get("OPENBLAS_CORETYPE", "auto"), "threads": threads, "workload": work, "arg": arg,
                  "wall_ms_median": walls[reps // 2], "wall_ms_min": walls[0], "cpu_ms_median": cpus[reps // 2]}))
