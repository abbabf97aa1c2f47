"""Resumable training of an MDM-architecture diffusion model (x0- or v-predicting): the
trainer's state, step, loss and checkpoints (the loop is :func:`motionlgd.train.loop.train`).

``train(config)`` runs until ``max_steps`` (or ``max_minutes``), checkpointing every few
minutes to ``<out>/last.pt``; running it again with ``resume=True`` continues exactly
(model, EMA, optimiser, data and noise RNG states are all restored). Checkpoints hold
only tensors and plain containers and are read back with ``weights_only=True``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.dataset import ProcessedData, WindowSampler, feature_stats
from ..diffusion.schedule import make_schedule
from ..errors import CheckpointError, MotionLGDError
from ..models.denoiser import x0_from_output
from ..models.text import get_text_encoder
from ..models.transformer import MDM
from ..motion.humanml3d import recover_from_ric
from ..motion.skeleton import FOOT_JOINTS
from .checkpoints import _run_record, _saved_config, export_checkpoint, read_train_checkpoint
from .config import TrainConfig, load_config
from .distributed import Dist
from .init_model import NEW_PARTS, init_from_model_folder
from .paths import TrainResult
from .root_masks import DEFAULT_MIX, training_root_condition

__all__ = ["TrainConfig", "TrainResult", "export_checkpoint", "load_config", "read_train_checkpoint"]

log = logging.getLogger(__name__)


class _Trainer:
    def __init__(self, cfg: TrainConfig, data: ProcessedData, device: torch.device, dist: Dist | None = None) -> None:
        self.cfg = cfg
        self.device = device
        self.data = data
        self.dist = dist or Dist()
        self.local_batch = self.dist.local_batch(cfg.batch_size)
        train_rows = np.concatenate([data.clip(i) for i in np.flatnonzero(data.split == "train")])
        self.mean, self.std = feature_stats(train_rows)
        self.mean_t = torch.from_numpy(self.mean).to(device)
        self.std_t = torch.from_numpy(self.std).to(device)
        encoder = get_text_encoder(cfg.text_encoder, 384, device="cpu")
        texts = sorted(set(data.texts.tolist()))
        emb = encoder(texts) if texts else torch.zeros(0, encoder.dim)
        self.text_index = {t: i for i, t in enumerate(texts)}
        self.text_emb = emb.to(device)
        torch.manual_seed(cfg.seed)
        self.net = MDM(clip_dim=encoder.dim, **cfg.model).to(device)
        self.ema = MDM(clip_dim=encoder.dim, **cfg.model).to(device)
        self.ema.load_state_dict(self.net.state_dict())
        self.ema.eval().requires_grad_(False)
        if cfg.train_only == "refiner":  # the transformer is frozen: no gradient, no optimiser state
            for n, p in self.net.named_parameters():
                p.requires_grad_(n.startswith("refiner."))
        trainable = [(n, p) for n, p in self.net.named_parameters() if p.requires_grad]
        new = [p for n, p in trainable if n.startswith("embed_root.")]
        rest = [p for n, p in trainable if not n.startswith("embed_root.")]
        groups: list[dict[str, Any]] = [{"params": rest, "lr_mult": 1.0}]
        if new:  # the root condition's new input layer learns faster (it starts at zero)
            groups.append({"params": new, "lr_mult": cfg.root_lr_mult})
        self.opt = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.schedule = make_schedule(cfg.schedule, cfg.diffusion_steps)
        self.abar = torch.tensor(np.array(self.schedule.alphas_cumprod), dtype=torch.float32, device=device)
        snr = self.abar / (1 - self.abar).clamp(min=1e-12)
        if cfg.loss_weighting == "min_snr":
            w_t = snr.clamp(min=cfg.min_snr_floor, max=max(cfg.min_snr_gamma, cfg.min_snr_floor))
        else:
            w_t = torch.ones_like(snr)
        self.t_weight = w_t / w_t.mean()  # (num_steps,) per-timestep weight of the feature loss
        rank_seed = cfg.seed + 7919 * self.dist.rank  # each process its own data and noise streams
        self.sampler = WindowSampler(
            data, "train", cfg.min_frames, cfg.max_frames, cfg.locomotion_weight, seed=rank_seed
        )
        self.gen = torch.Generator().manual_seed(rank_seed + 1)
        self.model = self.dist.wrap(self.net, device)  # what the training step runs (DDP or the net)
        self.step = 0
        self.elapsed = 0.0
        self.history: list[dict[str, float]] = []
        self.init_info: dict[str, Any] | None = None  # steps/hours of the init_from run

    # -- checkpoint -------------------------------------------------------------------------
    def _rng(self) -> dict[str, Any]:
        rng = {"sampler": json.dumps(self.sampler.state()), "gen": self.gen.get_state(),
               "torch_rng": torch.get_rng_state()}  # fmt: skip
        if self.device.type == "cuda":  # this process' GPU generator (dropout)
            rng["device_rng"] = torch.cuda.get_rng_state(self.device)
        return rng

    def state(self) -> dict[str, Any]:
        """The checkpoint (a collective with several processes: every rank calls it, rank 0 keeps
        every rank's random states)."""
        ranks = self.dist.gather(self._rng())
        return {
            **({"rank_rng": ranks} if self.dist.world > 1 else {}),
            "format": "motionlgd-train",
            "config": json.dumps(asdict(self.cfg)),
            "step": self.step,
            "elapsed": self.elapsed,
            "net": self.net.state_dict(),
            "ema": self.ema.state_dict(),
            "opt": self.opt.state_dict(),
            **self._rng(),
            **({"cuda_rng": torch.cuda.get_rng_state_all()} if torch.cuda.is_available() else {}),
            "history": json.dumps(self.history),
            "init_info": json.dumps(self.init_info),
            "mean": torch.from_numpy(self.mean),
            "std": torch.from_numpy(self.std),
            "data_info": json.dumps(
                {"sources": sorted(set(self.data.sources.tolist())), "clips": int((~self.data.mirrored).sum())}
            ),
        }

    def load(self, path: Path) -> None:
        st = read_train_checkpoint(path, self.device)
        saved = _saved_config(st)
        for key in ("model", "schedule", "diffusion_steps", "text_encoder", "prediction"):
            if saved.get(key) != getattr(self.cfg, key):
                raise CheckpointError(
                    f"{path}: checkpoint was trained with {key}={saved.get(key)!r}, config says {getattr(self.cfg, key)!r}"
                )
        if "mean" in st:  # the normalisation the network was trained with wins over a re-computation
            self.mean, self.std = st["mean"].cpu().numpy(), st["std"].cpu().numpy()
            self.mean_t = torch.from_numpy(self.mean).to(self.device)
            self.std_t = torch.from_numpy(self.std).to(self.device)
        self.net.load_state_dict(st["net"])
        self.ema.load_state_dict(st["ema"])
        self.opt.load_state_dict(st["opt"])
        rng = {k: st[k] for k in ("sampler", "gen", "torch_rng")}
        if self.dist.world > 1:
            ranks = st.get("rank_rng") or []
            if len(ranks) != self.dist.world:
                raise CheckpointError(
                    f"{path}: written by {len(ranks) or 1} process(es), resumed with {self.dist.world}"
                )
            rng = ranks[self.dist.rank]
        self.sampler.set_state(json.loads(rng["sampler"]))
        self.gen.set_state(rng["gen"].cpu())
        torch.set_rng_state(rng["torch_rng"].cpu())
        if "cuda_rng" in st and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in st["cuda_rng"]])
        if "device_rng" in rng and self.device.type == "cuda":  # this process' own GPU generator wins
            torch.cuda.set_rng_state(rng["device_rng"].cpu(), self.device)
        self.step = int(st["step"])
        self.elapsed = float(st["elapsed"])
        self.history = json.loads(st["history"])
        self.init_info = json.loads(st["init_info"]) if "init_info" in st else None

    def init_weights(self, path: Path) -> None:
        """Start from the EMA weights and normalisation of another run's checkpoint (or of a
        model folder, see :func:`init_from_model_folder`)."""
        if path.is_dir():
            self.mean, self.std, self.init_info = init_from_model_folder(self, path)
            self.mean_t = torch.from_numpy(self.mean).to(self.device)
            self.std_t = torch.from_numpy(self.std).to(self.device)
            return
        st = read_train_checkpoint(path, self.device)
        saved = _saved_config(st)
        # dropout and condition-dropout rates may change (they shape training, not the weights)
        regularisers = ("dropout", "cond_mask_prob", "root_cond", "refiner")  # new parts start at zero
        mine = {k: v for k, v in self.cfg.model.items() if k not in regularisers}
        theirs = {k: v for k, v in (saved.get("model") or {}).items() if k not in regularisers}
        pairs = [("model", theirs, mine)] + [
            (k, saved.get(k), getattr(self.cfg, k)) for k in ("text_encoder", "schedule", "diffusion_steps")
        ]
        for key, a, b in pairs:
            if a != b:
                raise CheckpointError(f"{path}: init_from checkpoint has {key}={a!r}, config says {b!r}")
        if saved["prediction"] == "v" and self.cfg.prediction == "x0":
            raise CheckpointError(
                f"{path}: init_from checkpoint predicts v; starting an x0 run from it is not supported"
            )
        self.mean, self.std = st["mean"].cpu().numpy(), st["std"].cpu().numpy()
        self.mean_t = torch.from_numpy(self.mean).to(self.device)
        self.std_t = torch.from_numpy(self.std).to(self.device)
        weights = dict(st["ema"])
        if saved["prediction"] == "x0" and self.cfg.prediction == "v":
            # x0 = sqrt(abar) x_t - sqrt(1 - abar) v: negating the output layer makes the x0
            # network's output land where it did at high noise (abar -> 0), a warm start
            for key in ("output_process.poseFinal.weight", "output_process.poseFinal.bias"):
                weights[key] = -weights[key]
        missing, unexpected = self.net.load_state_dict(weights, strict=False)
        if unexpected or any(not k.startswith(NEW_PARTS) for k in missing):
            raise CheckpointError(f"{path}: init_from weights do not fit (missing {missing}, extra {unexpected})")
        self.ema.load_state_dict(self.net.state_dict())
        self.init_info = _run_record(st)

    # -- steps --------------------------------------------------------------------------------
    def lr_at(self, step: int) -> float:
        cfg = self.cfg
        if step < cfg.warmup_steps:
            return cfg.lr * (step + 1) / cfg.warmup_steps
        frac = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
        return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * frac)))

    def batch(self, sampler: WindowSampler, bs: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, mask, texts = sampler.sample(bs)
        x0 = (torch.from_numpy(x).to(self.device) - self.mean_t) / self.std_t
        mask_t = torch.from_numpy(mask).to(self.device)
        x0 = x0 * mask_t[..., None]
        emb = self.text_emb[torch.tensor([self.text_index[t] for t in texts], device=self.device)]
        return x0, mask_t, emb

    def loss(
        self,
        net: torch.nn.Module,
        x0: torch.Tensor,
        mask: torch.Tensor,
        emb: torch.Tensor,
        gen: torch.Generator,
        t: torch.Tensor | None = None,
        noise: torch.Tensor | None = None,
        perturb: bool = True,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Training loss of a batch (``t`` and ``noise`` drawn from ``gen`` unless given). The
        feature term is normalised by the valid frames of the global batch (all processes).
        ``perturb=False`` leaves out the input perturbation (validation: comparable across
        configs)."""
        B = x0.shape[0]
        if t is None:
            t = self._draw_t(B, gen)
        if noise is None:
            noise = torch.randn(x0.shape, generator=gen).to(self.device)
        ab = self.abar[t][:, None, None]
        seen = noise
        if (
            perturb and self.cfg.input_perturbation > 0
        ):  # DDPM-IP: the input's noise is off by gamma * xi, the target is not
            seen = noise + self.cfg.input_perturbation * torch.randn(x0.shape, generator=gen).to(self.device)
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * seen
        extra = {}
        if getattr(getattr(net, "module", net), "root_cond", 0):  # DDP wraps the network in .module
            mix = tuple(self.cfg.root_mask_mix) if self.cfg.root_mask_mix else DEFAULT_MIX
            feats = x0 * self.std_t + self.mean_t
            extra["root_cond"] = training_root_condition(feats, mask.bool(), gen, mix)  # type: ignore[arg-type]
        out = net(xt, t, text_emb=emb, mask=mask, **extra)
        pred = x0_from_output(out, xt, self.abar[t], self.cfg.prediction)
        m = mask[..., None].float()
        err = ((pred - x0) ** 2) * m
        n_valid = m.sum() * x0.shape[-1]
        l_feat = err.sum() / n_valid
        terms = {"feat": float(l_feat.detach())}  # x0 error, unweighted: comparable across configs (and val)
        if self.cfg.prediction == "v":
            target = ab.sqrt() * noise - (1 - ab).sqrt() * x0
            err = ((out - target) ** 2) * m
        w = torch.ones(x0.shape[-1], device=x0.device)
        w[:4] = self.cfg.root_loss_weight  # emphasise the 4 root dims (rotation/linear velocity, height)
        if self.cfg.loss_weighting != "uniform":
            err = err * self.t_weight[t][:, None, None]
        share = self._share  # valid counts of the global batch, per process: DDP's gradient mean is the global one
        total = (err * w).sum() / (share(m.sum()) * w.sum())
        if self.cfg.lambda_vel > 0 or self.cfg.lambda_foot > 0 or self.cfg.lambda_pos > 0:
            fp = pred * self.std_t + self.mean_t
            ft = x0 * self.std_t + self.mean_t
            jp, jt = recover_from_ric(fp), recover_from_ric(ft)
            rel_p = jp - jp[:, :, :1]
            rel_t = jt - jt[:, :, :1]
            vm = (mask[:, 1:] & mask[:, :-1]).float()[..., None, None]
            if self.cfg.lambda_pos > 0:  # MDM's joint-position term, root-relative, m^2
                pm = mask.float()[..., None, None]
                l_pos = (((rel_p - rel_t) ** 2) * pm).sum() / share(pm.sum() * 66).clamp(min=1)
                total = total + self.cfg.lambda_pos * l_pos
                terms["pos"] = float(l_pos.detach())
            if self.cfg.lambda_vel > 0:
                vp, vt = rel_p[:, 1:] - rel_p[:, :-1], rel_t[:, 1:] - rel_t[:, :-1]
                l_vel = (((vp - vt) ** 2) * vm).sum() / share(vm.sum() * 66).clamp(min=1)
                total = total + self.cfg.lambda_vel * l_vel
                terms["vel"] = float(l_vel.detach())
            if self.cfg.lambda_foot > 0:
                contact = ft[:, :-1, 259:263] > 0.5  # (B, L-1, 4)
                feet = jp[:, :, list(FOOT_JOINTS)]
                fv = ((feet[:, 1:] - feet[:, :-1]) ** 2).sum(-1)  # (B, L-1, 4)
                cm = contact.float() * vm[..., 0, 0][..., None]
                l_foot = (fv * cm).sum() / share(cm.sum()).clamp(min=1)
                total = total + self.cfg.lambda_foot * l_foot
                terms["foot"] = float(l_foot.detach())
        terms["total"] = float(total.detach())
        return total, terms

    def _draw_t(self, B: int, gen: torch.Generator) -> torch.Tensor:
        """``(B,)`` diffusion steps: uniform, or ``low_t_fraction`` of them below ``low_t_max``."""
        t = torch.randint(0, self.schedule.num_steps, (B,), generator=gen)
        low = round(B * self.cfg.low_t_fraction)
        if low:
            t[:low] = torch.randint(0, self.cfg.low_t_max, (low,), generator=gen)
        return t.to(self.device)

    def _share(self, count: torch.Tensor) -> torch.Tensor:
        """``count`` summed over the processes, divided by their number (``count`` for one)."""
        return self.dist.sum(count) / self.dist.world

    @torch.no_grad()
    def validate(self) -> float:
        sampler = WindowSampler(
            self.data, "val", self.cfg.min_frames, self.cfg.max_frames, self.cfg.locomotion_weight, seed=1234
        )
        gen = torch.Generator().manual_seed(4321)
        losses = []
        for _ in range(self.cfg.val_batches):
            x0, mask, emb = self.batch(sampler, self.cfg.batch_size)
            losses.append(self.loss(self.ema, x0, mask, emb, gen, perturb=False)[1]["feat"])
        return float(np.mean(losses))

    def train_step(self) -> dict[str, float]:
        self.net.train()
        for g in self.opt.param_groups:
            g["lr"] = self.lr_at(self.step) * g.get("lr_mult", 1.0)
        x0, mask, emb = self.batch(self.sampler, self.local_batch)
        loss, terms = self.loss(self.model, x0, mask, emb, self.gen)
        if self.dist.any(not bool(torch.isfinite(loss))):  # every process stops together
            raise MotionLGDError(f"training loss became non-finite at step {self.step} (this process: {float(loss)})")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        terms["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.cfg.grad_clip))
        self.opt.step()
        decay = min(self.cfg.ema_decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for pe, p in zip(self.ema.parameters(), self.net.parameters()):
                pe.lerp_(p, 1 - decay)
        self.step += 1
        return terms
