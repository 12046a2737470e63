"""PyTorch's side of scripts/profile-stable-diffusion.ts: one sd-turbo UNet forward (batch 1, no
guidance) and one VAE decode at 64x64 latents (512 px), random weights at the real config sizes,
through the PyTorch transcription of diffusers' blocks that the fixtures use
(tools/fixtures/stable_diffusion.py; diffusers itself is not installed here).

Usage: OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX \\
         /usr/bin/python3 tools/torch-sd-times.py [unet,vae] [LATENT]
Prints per part the wall and the CPU seconds (all threads) of one call after a warm-up call; on a
shared machine the CPU time is what to compare. The UNet needs about 3.5 GB.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
import stable_diffusion as sd  # noqa: E402

parts = (sys.argv[1] if len(sys.argv) > 1 else "unet,vae").split(",")
latent = int(sys.argv[2]) if len(sys.argv) > 2 else 64
torch.manual_seed(0)
print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), latents {latent}x{latent}", flush=True)

# stabilityai/sd-turbo's unet/config.json and vae/config.json (research note text-to-image.md, B2).
UNET = {
    "in_channels": 4, "out_channels": 4, "block_out_channels": [320, 640, 1280, 1280], "layers_per_block": 2,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "attention_head_dim": [5, 10, 20, 20], "cross_attention_dim": 1024, "use_linear_projection": True,
    "norm_num_groups": 32, "norm_eps": 1e-5, "flip_sin_to_cos": True, "freq_shift": 0,
}
VAE = {"in_channels": 3, "out_channels": 3, "block_out_channels": [128, 256, 512, 512], "layers_per_block": 2, "latent_channels": 4, "norm_num_groups": 32}


def timed(label, fn, repeats=2):
    with torch.no_grad():
        for i in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            print(f"{label} (call {i + 1}): {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)


if "unet" in parts:
    unet = sd.UNet2DConditionModel(UNET).eval()
    x, ctx = torch.randn(1, 4, latent, latent), torch.randn(1, 77, 1024)
    timed(f"UNet forward, batch 1, {latent}x{latent}", lambda: unet(x, torch.tensor([999.0]), ctx))
    del unet
if "vae" in parts:
    vae = sd.AutoencoderKL(VAE).eval()
    z = torch.randn(1, 4, latent, latent)
    timed(f"VAE decode, {latent}x{latent} -> {latent * 8}x{latent * 8}", lambda: vae.decode(z))
