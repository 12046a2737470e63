"""PyTorch 1.13's time for the same Stable Diffusion components scripts/profile-stable-diffusion.ts times,
with random weights at sd-turbo's / SD 1.5's real configs, through the plain-PyTorch port of diffusers'
blocks in tools/fixtures/stable_diffusion.py (diffusers is not installed here).

  OPENBLAS_CORETYPE=HASWELL OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2 /usr/bin/python3 bench/peers/stable_diffusion_torch.py [sd-turbo|sd15] [latent] [parts]

OPENBLAS_CORETYPE matters: on this AMD EPYC, Debian's OpenBLAS gives 5 GFLOP/s per core for a 1024 matmul
undetected, 4 with SKYLAKEX, 87-89 with ZEN or HASWELL.
"""

import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "fixtures"))
from stable_diffusion import AutoencoderKL, CLIPTextModel, UNet2DConditionModel  # noqa: E402

model = sys.argv[1] if len(sys.argv) > 1 else "sd-turbo"
latent = int(sys.argv[2]) if len(sys.argv) > 2 else 64
parts = (sys.argv[3] if len(sys.argv) > 3 else "text,unet,vae").split(",")
turbo = model == "sd-turbo"
text_cfg = dict(hidden_size=1024 if turbo else 768, intermediate_size=4096 if turbo else 3072, num_hidden_layers=23 if turbo else 12,
                num_attention_heads=16 if turbo else 12, hidden_act="gelu" if turbo else "quick_gelu", vocab_size=49408,
                max_position_embeddings=77, layer_norm_eps=1e-5, eos_token_id=2)
unet_cfg = dict(block_out_channels=[320, 640, 1280, 1280], layers_per_block=2, attention_head_dim=[5, 10, 20, 20] if turbo else 8,
                cross_attention_dim=1024 if turbo else 768, use_linear_projection=turbo, norm_num_groups=32, norm_eps=1e-5,
                in_channels=4, out_channels=4, flip_sin_to_cos=True, freq_shift=0,
                down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"], up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3)
vae_cfg = dict(block_out_channels=[128, 256, 512, 512], layers_per_block=2, latent_channels=4, norm_num_groups=32, in_channels=3,
               out_channels=3, scaling_factor=0.18215)


def timed(label, fn):
    t0, c0 = time.perf_counter(), time.process_time()
    with torch.no_grad():
        fn()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"{label}: {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU (peak {rss:.1f} GiB rss)", flush=True)


print(f"PyTorch {torch.__version__}, {model}, latents {latent}x{latent}, {torch.get_num_threads()} thread(s)", flush=True)
if "text" in parts:
    text = CLIPTextModel(text_cfg).eval()
    timed("text encoder, 77 tokens", lambda: text(torch.randint(0, 49408, (1, 77))))
if "unet" in parts:
    unet = UNet2DConditionModel(unet_cfg).eval()
    print(f"UNet: {sum(p.numel() for p in unet.parameters()):,} params", flush=True)
    x, ctx = torch.randn(1, 4, latent, latent), torch.randn(1, 77, unet_cfg["cross_attention_dim"])
    timed(f"UNet forward, batch 1, {latent}x{latent}", lambda: unet(x, torch.tensor([999.0]), ctx))
if "vae" in parts:
    vae = AutoencoderKL(vae_cfg).eval()
    z = torch.randn(1, 4, latent, latent)
    timed(f"VAE decode, {latent}x{latent}", lambda: vae.decode(z))
