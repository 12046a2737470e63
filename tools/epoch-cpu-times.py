"""PyTorch's side of tools/epoch-cpu-times.mjs: one cold epoch of bench/peers/torch_peer.py's loop,
wall time and CPU time (time.process_time) of the epoch alone.

Usage: OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=T /usr/bin/python3 tools/epoch-cpu-times.py MODEL T [STEPS]
Prints one JSON line with the same fields as the dlab side.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench", "peers"))
import torch  # noqa: E402
from torch_peer import MODELS, load_mnist, shape  # noqa: E402

name, threads = sys.argv[1], int(sys.argv[2])
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 937
torch.set_num_threads(threads)
torch.manual_seed(0)
model = MODELS[name]()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.CrossEntropyLoss()
x, y = load_mnist("train")
perm = torch.randperm(len(x))
step_cpu = []
c0, t0 = time.process_time(), time.perf_counter()
for s in range(steps):
    cs = time.process_time()
    idx = perm[s * 64:(s + 1) * 64]
    xb, yb = x[idx].view(shape(name, 64)), y[idx]
    opt.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    last = loss.item()
    step_cpu.append((time.process_time() - cs) * 1000)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
later = sorted(step_cpu[100:])
print(json.dumps({
    "peer": "pytorch", "model": name, "threads": threads, "steps": steps, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
    "step_cpu_ms_median": round(later[len(later) // 2], 3) if later else None, "step_cpu_ms_mean": round(sum(later) / len(later), 3) if later else None,
    "first100_cpu_ms": round(sum(step_cpu[:100]), 1), "final_loss": round(last, 4),
}))
