"""Run under ``torchrun --nproc_per_node 2`` by ``test_distributed.py`` (not a test module).

ddp_worker.py step OUT.pt     one DDP training step on a fixed global batch; rank 0 saves grads + weights
ddp_worker.py train CFG.json  ``train()`` on the toy data (``resume`` from the json)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import make_toy_data

from motionlgd.train import TrainConfig, train
from motionlgd.train.distributed import Dist, exit_process, setup
from motionlgd.train.trainer import _Trainer


def config(out: str, steps: int = 4, checkpoint_minutes: float = 100.0) -> TrainConfig:
    return TrainConfig(name="ddp", out=out, text_encoder="zero", diffusion_steps=100, batch_size=4, max_steps=steps,
                       model={"latent_dim": 32, "ff_size": 64, "num_layers": 1, "num_heads": 2, "dropout": 0.0,
                              "cond_mask_prob": 0.0},
                       warmup_steps=2, min_frames=40, max_frames=60, val_every=2, val_batches=1,
                       checkpoint_minutes=checkpoint_minutes)  # fmt: skip


def fixed_batch(emb_dim: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(4, 40, 263, generator=g) * 0.5
    mask = torch.ones(4, 40, dtype=torch.bool)
    mask[3, 30:] = False  # one padded window: the loss is normalised by the global valid frames
    x0 = x0 * mask[..., None]
    emb = torch.randn(4, emb_dim, generator=g)
    t = torch.randint(0, 100, (4,), generator=g)
    noise = torch.randn(4, 40, 263, generator=g)
    return x0, mask, emb, t, noise


def one_step(dist: Dist, out: Path, device: torch.device) -> None:
    tr = _Trainer(config(str(out.parent / "unused")), make_toy_data(), device, dist)
    x0, mask, emb, t, noise = fixed_batch(tr.text_emb.shape[1])
    per = 4 // dist.world
    s = slice(dist.rank * per, (dist.rank + 1) * per)
    tr.net.train()
    loss, _ = tr.loss(tr.model, x0[s], mask[s], emb[s], tr.gen, t=t[s], noise=noise[s])
    tr.opt.zero_grad()
    loss.backward()  # DDP averages the gradients over the processes here
    grads = {n: p.grad.detach().clone() for n, p in tr.net.named_parameters() if p.grad is not None}
    tr.opt.step()
    if dist.main:
        torch.save({"grads": grads, "net": tr.net.state_dict()}, out)


if __name__ == "__main__":
    mode, arg = sys.argv[1], sys.argv[2]
    if mode == "step":
        dist, device = setup(torch.device("cpu"))
        one_step(dist, Path(arg), device)
    else:
        spec = json.loads(Path(arg).read_text())
        cfg = config(spec["out"], spec["steps"], spec.get("checkpoint_minutes", 100.0))
        train(cfg, resume=spec["resume"], progress=False, data=make_toy_data())
    exit_process(0)
