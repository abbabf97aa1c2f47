"""SMPL body mesh (through ``smplx``) driven by the 22 joint positions.

The user brings their own SMPL model (its licence forbids redistribution) as an ``.npz``
of plain arrays; it is read with ``np.load(path, allow_pickle=False)`` and handed to
``smplx.SMPL`` as a ready-made ``data_struct``, so no pickle is ever loaded.  The
official ``.pkl`` files are refused because unpickling a file can run arbitrary code;
convert one once, in an environment you trust, with e.g.::

    import pickle, numpy as np
    with open("SMPL_NEUTRAL.pkl", "rb") as fh:
        d = pickle.load(fh, encoding="latin1")  # needs 'chumpy' for the original files
    keys = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")
    np.savez("SMPL_NEUTRAL.npz", **{k: np.asarray(d[k].toarray() if hasattr(d[k], "toarray") else d[k])
                                    for k in keys})

Model file (``model_path``): an ``.npz`` file, or a folder holding ``SMPL_NEUTRAL.npz``
(name matched case-insensitively).  Required arrays (V = 6890 vertices, F = 13776 faces,
B >= 1 shape components, 24 joints):

* ``v_template (V, 3)`` rest vertices (metres, Y up, facing +z);
* ``f (F, 3)`` integer triangles;
* ``shapedirs (V, 3, B)``;
* ``posedirs (V, 3, 207)`` (as in the ``.pkl``) or ``(207, V*3)`` (smplx's internal layout);
* ``J_regressor (24, V)`` (dense);
* ``weights (V, 24)`` skinning weights;
* ``kintree_table (2, 24)`` (row 0: parents, SMPL's kinematic tree).

Posing (``rest="model"``, the default): the joint rotations come from
:func:`motionlgd.export.ik.joints_to_rotations` run on *the model's own rest skeleton*
(``J_regressor @ v_template``), so every posed SMPL bone points along the motion's bone
(joint positions differ only by the bone lengths of SMPL vs the motion and by
non-rigid torsos).  ``rest="tpose"`` uses :func:`motionlgd.export.smpl.smpl_params`
instead (rotations relative to motionlgd's ideal T-pose, exactly what ``export_smpl``
writes); SMPL's real rest pose is not an ideal T-pose (feet point forward-and-down, limbs
slant a little), so the posed mesh then drifts off the joints by a few centimetres at the
feet and hands.  Either way betas are zero (mean shape) and each frame is translated so
that SMPL's posed pelvis joint lies on the motion's pelvis ``joints[:, 0]``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import zipfile
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np

from ...errors import CheckpointError, MotionLGDError
from ...motion.skeleton import NUM_JOINTS, PARENTS
from .._deps import require
from ..body import check_body_joints

__all__ = ["NUM_FACES", "NUM_SMPL_JOINTS", "NUM_VERTICES", "SMPL_PARENTS", "SMPLBody", "load"]

logger = logging.getLogger(__name__)

NUM_VERTICES: Final[int] = 6890
NUM_FACES: Final[int] = 13776
NUM_SMPL_JOINTS: Final[int] = 24
#: Parents of SMPL's 24 joints: the 22 motionlgd joints plus the hands (on the wrists).
SMPL_PARENTS: Final[tuple[int, ...]] = (*PARENTS, 20, 21)
_NUM_POSE_BASIS: Final[int] = 9 * (NUM_SMPL_JOINTS - 1)  # 207
_FOLDER_FILE: Final[str] = "smpl_neutral.npz"
_USAGE = (
    "pass it with render_motion(..., body='smpl', body_model=PATH) or on the CLI with --body smpl --body-model PATH"
)
_PICKLE_HINT = (
    "pickle files can run arbitrary code when loaded, so motionlgd never unpickles them; "
    "convert the model once (in an environment you trust) to an .npz of plain arrays with the keys "
    "v_template, f, shapedirs, posedirs, J_regressor (dense), weights, kintree_table "
    "(recipe in the docstring of motionlgd.render.bodies.smpl)"
)


def load(model_path: str | os.PathLike[str] | None, rest: Literal["model", "tpose"] = "model") -> SMPLBody:
    """Load the user's SMPL model as a :class:`SMPLBody`.

    Args:
        model_path: an ``.npz`` SMPL model (see the module docstring for the keys) or a
            folder holding ``SMPL_NEUTRAL.npz``.
        rest: rest skeleton of the inverse kinematics, ``"model"`` (the SMPL model's own
            rest joints: the mesh follows the joints closely) or ``"tpose"``
            (motionlgd's T-pose, the rotations :func:`motionlgd.export.smpl.smpl_params` exports).

    Raises:
        MotionLGDError: ``model_path`` is None.
        CheckpointError: missing file, a ``.pkl`` file (never unpickled), missing key,
            wrong shape or non-finite values.
        MissingDependencyError: ``smplx`` (or ``torch``) is not installed.
    """
    if model_path is None:
        raise MotionLGDError(
            "body='smpl' needs your own SMPL model file (the SMPL licence forbids shipping it; "
            "download it from https://smpl.is.tue.mpg.de and convert it to .npz); " + _USAGE
        )
    path = _resolve_path(Path(model_path))
    arrays = _read_npz(path)
    return SMPLBody(arrays, source=path, rest=rest)


def _resolve_path(path: Path) -> Path:
    """The ``.npz`` file of ``path`` (a file or a folder holding ``SMPL_NEUTRAL.npz``)."""
    if path.is_dir():
        found = [p for p in sorted(path.iterdir()) if p.name.lower() == _FOLDER_FILE]
        if found:
            return found[0]
        pickles = [p for p in sorted(path.iterdir()) if p.name.lower() == "smpl_neutral.pkl"]
        if pickles:
            raise CheckpointError(f"{pickles[0]}: SMPL model is a .pkl file; {_PICKLE_HINT}")
        raise CheckpointError(f"SMPL model folder {path} holds no SMPL_NEUTRAL.npz; {_USAGE}")
    if path.suffix.lower() == ".pkl" or _looks_like_pickle(path):
        raise CheckpointError(f"{path}: SMPL model is a pickle file; {_PICKLE_HINT}")
    if not path.is_file():
        raise CheckpointError(f"SMPL model file {path} does not exist; {_USAGE}")
    if path.suffix.lower() != ".npz":
        raise CheckpointError(f"{path}: SMPL model must be an .npz file of plain arrays (got {path.suffix!r})")
    return path


def _looks_like_pickle(path: Path) -> bool:
    """True for an existing file starting with a pickle protocol-2+ header (never unpickled)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Read and validate the SMPL arrays of ``path`` (never unpickles)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: cannot read the SMPL model as an .npz of plain arrays ({exc})") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{path}: SMPL model must be an .npz archive, not a single .npy array")
    with archive:
        keys = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")
        missing = [k for k in keys if k not in archive.files]
        if missing:
            raise CheckpointError(f"{path}: SMPL model lacks the key(s) {missing} (has {sorted(archive.files)})")
        raw: dict[str, np.ndarray] = {}
        for k in keys:
            try:
                raw[k] = np.asarray(archive[k])
            except ValueError as exc:  # object arrays need pickle
                raise CheckpointError(
                    f"{path}: key {k!r} is not a plain numeric array ({exc}); re-save it with np.asarray"
                ) from exc

    V, J, P = NUM_VERTICES, NUM_SMPL_JOINTS, _NUM_POSE_BASIS

    def bad(key: str, expected: str) -> CheckpointError:
        a = raw[key]
        return CheckpointError(
            f"{path}: key {key!r} has shape {tuple(a.shape)} (dtype {a.dtype}), expected {expected} for a SMPL body"
        )

    out: dict[str, np.ndarray] = {}
    for key, shape in (("v_template", (V, 3)), ("J_regressor", (J, V)), ("weights", (V, J))):
        if raw[key].shape != shape:
            raise bad(key, str(shape))
    sd = raw["shapedirs"]
    if sd.ndim != 3 or sd.shape[:2] != (V, 3) or sd.shape[2] < 1:
        raise bad("shapedirs", f"({V}, 3, B)")
    pd = raw["posedirs"]
    if pd.shape == (P, V * 3):  # smplx's internal (207, V*3) layout -> the .pkl's (V, 3, 207)
        pd = pd.T.reshape(V, 3, P)
    elif pd.shape != (V, 3, P):
        raise bad("posedirs", f"({V}, 3, {P}) or ({P}, {V * 3})")
    for key, a in (("v_template", raw["v_template"]), ("J_regressor", raw["J_regressor"]),
                   ("weights", raw["weights"]), ("shapedirs", sd), ("posedirs", pd)):  # fmt: skip
        if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
            raise bad(key, "real numbers")
        a = a.astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise CheckpointError(f"{path}: key {key!r} contains NaN or inf")
        out[key] = a

    f = raw["f"]
    if f.shape != (NUM_FACES, 3) or not np.issubdtype(f.dtype, np.integer):
        raise bad("f", f"({NUM_FACES}, 3) integers")
    if f.min() < 0 or f.max() >= V:
        raise CheckpointError(f"{path}: key 'f' has vertex indices outside [0, {V})")
    out["f"] = f.astype(np.int64)

    kt = raw["kintree_table"]
    if kt.shape != (2, J) or not np.issubdtype(kt.dtype, np.integer):
        raise bad("kintree_table", f"(2, {J}) integers")
    parents = tuple(int(p) for p in kt[0, 1:])
    if parents != SMPL_PARENTS[1:]:
        raise CheckpointError(
            f"{path}: key 'kintree_table' has parents {list(parents)} for joints 1..23, expected SMPL's "
            f"{list(SMPL_PARENTS[1:])}"
        )
    out["kintree_table"] = kt.astype(np.int64)
    return out


def _rest_joints(arrays: dict[str, np.ndarray], path: Path) -> np.ndarray:
    """``(24, 3)`` rest joint positions (metres) of the mean shape; checks for zero-length bones."""
    rest = arrays["J_regressor"] @ arrays["v_template"]
    lengths = np.linalg.norm(rest[1:] - rest[list(SMPL_PARENTS[1:])], axis=-1)
    if np.any(lengths[: NUM_JOINTS - 1] < 1e-4):
        short = [j + 1 for j in np.flatnonzero(lengths[: NUM_JOINTS - 1] < 1e-4)]
        raise CheckpointError(f"{path}: the rest skeleton (J_regressor @ v_template) has zero-length bones {short}")
    return rest


class SMPLBody:
    """A SMPL mesh (mean shape) posed by the 22 joints; satisfies :class:`~motionlgd.render.body.MeshBody`.

    Attributes:
        name: ``"smpl"``.
        faces: ``(13776, 3)`` int64 triangles.
        rest_joints: ``(24, 3)`` float64 rest joint positions of the model (metres, Y up).
        rest: the IK rest skeleton, ``"model"`` or ``"tpose"`` (see the module docstring).
        source: the model file.
        chunk: frames per batched ``smplx`` forward pass.
    """

    name = "smpl"

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        source: str | os.PathLike[str] = "<arrays>",
        rest: Literal["model", "tpose"] = "model",
        chunk: int = 64,
    ) -> None:
        """Build the body from validated arrays (see :func:`load`, which reads and checks them)."""
        if rest not in ("model", "tpose"):
            raise ValueError(f"rest must be 'model' or 'tpose', got {rest!r}")
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {chunk}")
        self._torch = require("torch", "body='smpl'", "pip install torch smplx")
        smplx = require("smplx", "body='smpl'", "pip install smplx")
        self.source = Path(source)
        self.rest = rest
        self.chunk = int(chunk)
        self.faces: np.ndarray = arrays["f"].astype(np.int64)
        self.rest_joints: np.ndarray = _rest_joints(arrays, self.source)
        offsets = self.rest_joints[:NUM_JOINTS] - self.rest_joints[[max(p, 0) for p in PARENTS]]
        offsets[0] = 0.0
        self._offsets = offsets
        self._num_betas = min(int(arrays["shapedirs"].shape[2]), 10)
        struct = smplx.utils.Struct(**arrays)
        # smplx prints a warning for 10-component models: keep it out of stdout
        with contextlib.redirect_stdout(io.StringIO()) as captured:
            self._model: Any = smplx.SMPL(
                model_path=str(self.source),
                data_struct=struct,
                num_betas=self._num_betas,
                create_betas=False,
                create_global_orient=False,
                create_body_pose=False,
                create_transl=False,
                dtype=self._torch.float32,
            )
        if captured.getvalue().strip():
            logger.debug("smplx: %s", captured.getvalue().strip())
        self._model.eval()
        logger.info("loaded SMPL model %s (%d betas, IK rest %r)", self.source, self._num_betas, rest)

    def poses(self, joints: np.ndarray) -> np.ndarray:
        """SMPL pose parameters of a motion.

        Args:
            joints: ``(T, 22, 3)`` positions in metres, Y up.

        Returns:
            ``(T, 72)`` float32 axis-angle (radians) of the 24 SMPL joints, joint 0 the global
            orientation, hands (22, 23) zero.
        """
        from ...export.smpl import smpl_params

        offsets = None if self.rest == "tpose" else self._offsets
        return smpl_params(_check_joints(joints), up="y", offsets=offsets)["poses"]

    def vertices(self, joints: np.ndarray) -> np.ndarray:
        """Posed mesh vertices.

        Args:
            joints: ``(T, 22, 3)`` positions in metres, Y up (HumanML3D joint order).

        Returns:
            ``(T, 6890, 3)`` float32 vertices in metres, Y up; SMPL's posed pelvis joint is on
            ``joints[:, 0]`` in every frame.

        Raises:
            ShapeError: wrong shape, no frames or non-finite joints.
        """
        joints = _check_joints(joints)
        poses = self.poses(joints)
        torch = self._torch
        T = joints.shape[0]
        out = np.empty((T, NUM_VERTICES, 3), dtype=np.float32)
        with torch.no_grad():
            for s in range(0, T, self.chunk):
                e = min(s + self.chunk, T)
                p = torch.from_numpy(poses[s:e])
                result = self._model(
                    betas=torch.zeros((e - s, self._num_betas), dtype=torch.float32),
                    global_orient=p[:, :3],
                    body_pose=p[:, 3:],
                )
                verts = result.vertices.detach().cpu().numpy().astype(np.float64)
                pelvis = result.joints[:, 0].detach().cpu().numpy().astype(np.float64)
                out[s:e] = verts + (joints[s:e, 0] - pelvis)[:, None]
        return out


def _check_joints(joints: np.ndarray) -> np.ndarray:
    """``joints`` as float64 ``(T, 22, 3)``, finite, T >= 1."""
    return check_body_joints(joints, "smpl")
