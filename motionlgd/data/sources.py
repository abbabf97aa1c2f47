"""The team motion-capture folders and their mapping to the 22 HumanML3D joints.

Knows the six folders of the team data root (``../shared/data`` beside the
checkout; see its ``README.md`` and each folder's ``SOURCE.md``):

============== ======= ================ ================ ===================
folder         format  units -> metres  dropped frames   licence tag
============== ======= ================ ================ ===================
accad_male1    BVH     0.01 (cm)        none             ``CC-BY-3.0``
accad_female1  BVH     0.01 (cm)        none             ``CC-BY-3.0``
cmu_daz        BVH     0.01 (cm)        frame 0 (T-pose) ``CMU``
cmu_mb         BVH     0.0254 / 0.45    frame 0 (T-pose) ``CMU``
cmu_asfamc     ASF/AMC 0.0254 / length  none             ``CMU``
hdm05_cut      ASF/AMC 0.0254 / length  none             ``CC-BY-SA-3.0``
============== ======= ================ ================ ===================

Joint positions: BVH joints are joint *origins* (ACCAD's root ``OFFSET`` is a
per-file start position and is ignored because the root position channels are
absolute, see :mod:`motionlgd.data.bvh`); ASF/AMC joints are bone *end* points
(``root`` = pelvis).  All folders are Y up and right-handed with the left
joints on the body's left, so no axis flip is needed.

Joints a rig lacks are synthesised by linear interpolation (:class:`Lerp`),
always between two points that are some centimetres apart, so no bone of the
22-joint skeleton has zero length:

* ``spine3`` for ``cmu_daz``: midpoint of ``chest`` and ``neck`` origins; for
  ``cmu_mb``: midpoint of ``Spine1`` and ``Neck1`` origins (the MotionBuilder
  conversion has no thorax segment: ``Neck``/``LeftShoulder`` sit at the
  ``Spine1`` origin, which is already ``spine2``).
* collars for ``cmu_mb`` and ASF/AMC: ``COLLAR_FRACTION`` (0.4) of the way from
  ``spine3`` to the shoulder along the clavicle (ASF: thorax end -> clavicle
  end; cmu_mb: synthetic spine3 -> ``LeftArm`` origin), which matches the
  SMPL ratio collar 8 cm : shoulder 11 cm.  The cmu_mb ``LeftShoulder`` joint
  is not used because it coincides with ``Spine1`` (= spine2).
* ``cmu_daz`` toes (``left_foot``/``right_foot``) are the End Sites of
  ``lFoot``/``rFoot``.

:func:`map_bvh_to_smpl22` auto-detects the ACCAD, CMU MotionBuilder, Mixamo
(``mixamorig:`` prefix optional), Daz and SMPL naming conventions for any BVH.

Not done here (left to the dataset pipeline): floor normalisation, retargeting
to one body size (the Daz-friendly CMU body is a generic 1.5 m figure with the
pelvis about 0.78 m above the feet; the others are 0.9-1.0 m), and trimming
the few glitch frames listed in the folders' ``clips_meta.tsv`` notes.
"""

from __future__ import annotations

from motionlgd.data.clip_loading import load_clip_joints
from motionlgd.data.resampling import resample
from motionlgd.data.rig_maps import (
    ACCAD_NAME_MAP,
    ASF_NAME_MAP,
    BVH_CONVENTIONS,
    CMU_DAZ_NAME_MAP,
    CMU_MB_NAME_MAP,
    COLLAR_FRACTION,
    MIXAMO_NAME_MAP,
    SMPL_NAME_MAP,
    EndSite,
    JointSpec,
    Lerp,
)
from motionlgd.data.smpl22_mapping import map_asfamc_to_smpl22, map_bvh_to_smpl22
from motionlgd.data.source_registry import CMU_METRES_PER_UNIT, SOURCES, ClipInfo, SourceSpec, list_clips

__all__ = [
    "ACCAD_NAME_MAP",
    "ASF_NAME_MAP",
    "BVH_CONVENTIONS",
    "CMU_DAZ_NAME_MAP",
    "CMU_MB_NAME_MAP",
    "CMU_METRES_PER_UNIT",
    "COLLAR_FRACTION",
    "MIXAMO_NAME_MAP",
    "SMPL_NAME_MAP",
    "SOURCES",
    "ClipInfo",
    "EndSite",
    "JointSpec",
    "Lerp",
    "SourceSpec",
    "list_clips",
    "load_clip_joints",
    "map_asfamc_to_smpl22",
    "map_bvh_to_smpl22",
    "resample",
]
