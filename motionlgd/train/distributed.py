"""Multi-process training: ``torchrun --nproc_per_node N -m motionlgd train CONFIG``.

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`setup` then starts the
process group (gloo on CPU, NCCL on CUDA, one GPU per process: ``cuda:LOCAL_RANK``) and
returns a :class:`Dist`. Each process draws ``batch_size / N`` windows from its own data and
noise streams (seeded by rank), the network is wrapped in DistributedDataParallel (gradients
averaged), and the feature loss is normalised by the valid frames of the *global* batch, so
a step equals a one-process step on the same global batch. Rank 0 writes the log and the
checkpoints; a checkpoint holds every rank's random states, so a run resumes exactly with
the same number of processes. A single process is ``Dist()`` (rank 0 of 1: nothing changes).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import torch

from ..errors import MotionLGDError

__all__ = ["Dist", "exit_process", "setup"]


@dataclass(frozen=True)
class Dist:
    """This process' place in a training run: ``rank`` of ``world`` processes."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: str = "cpu"  # where collectives' tensors live (NCCL needs them on this process' GPU)

    @property
    def main(self) -> bool:
        """Rank 0: writes logs and checkpoints."""
        return self.rank == 0

    def local_batch(self, batch_size: int) -> int:
        """Windows per process of a global ``batch_size``."""
        if batch_size % self.world:
            raise MotionLGDError(f"batch_size {batch_size} does not split over {self.world} processes")
        return batch_size // self.world

    def wrap(self, net: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """``net`` in DistributedDataParallel (itself for one process)."""
        if self.world == 1:
            return net
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        # a root-conditioned model leaves its root input unused on batches that drop the condition
        return DistributedDataParallel(net, device_ids=ids, find_unused_parameters=bool(getattr(net, "root_cond", 0)))

    def sum(self, value: torch.Tensor) -> torch.Tensor:
        """Sum over processes (the value itself for one process; no gradient flows through)."""
        if self.world == 1:
            return value
        out = value.detach().clone()
        torch.distributed.all_reduce(out)
        return out

    def any(self, flag: bool) -> bool:
        """Whether any process says ``flag`` (so every process stops at the same step)."""
        if self.world == 1:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        torch.distributed.all_reduce(t)
        return bool(t.item() > 0)

    def gather(self, obj: Any) -> list[Any] | None:
        """Every process' ``obj`` on rank 0 (``None`` elsewhere)."""
        if self.world == 1:
            return [obj]
        out: list[Any] | None = [None] * self.world if self.main else None
        torch.distributed.gather_object(obj, out, dst=0)
        return out

    def barrier(self) -> None:
        if self.world > 1:
            torch.distributed.barrier()


def setup(device: torch.device) -> tuple[Dist, torch.device]:
    """The run's :class:`Dist` from torchrun's environment, with the process group started,
    and this process' device (``cuda:LOCAL_RANK`` on GPUs)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist(), device
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Dist(rank, world, local, str(device)), device


def exit_process(code: int = 0) -> NoReturn:
    """End this process of a multi-process run: wait for the others, close the process group
    and exit with ``code`` without the interpreter's teardown.

    Gloo's worker threads can still hold tensors when Python finalises; the process then
    aborts ("terminate called without an active exception") and torchrun reports a finished
    run as failed. Everything the run writes is flushed and closed before this is called.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
