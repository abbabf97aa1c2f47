"""Run inside Blender: import a BVH or GLB as a user would and dump what Blender made of it.

    blender --background --factory-startup --python-exit-code 1 --python tests/export/blender_dump.py -- \
        FILE OUT.json [--up y|z] [--scale S]

Writes ``OUT.json`` with, for every frame of the imported action (first keyframe first):
``names`` (J) bone names, ``heads`` (F, J, 3) bone head world positions and
``root_rotation`` (F, 3, 3) the root bone's world rotation relative to its rest pose, both in
motionlgd's frame (Y up, metres: Blender ``(x, y, z)`` -> ``(x, z, -y)``).
Used by ``tests/export/test_blender.py`` (``-m slow``; skipped without Blender).
"""

import json
import sys

import bpy
from mathutils import Matrix

argv = sys.argv[sys.argv.index("--") + 1 :]
path, out = argv[0], argv[1]
up = argv[argv.index("--up") + 1] if "--up" in argv else "y"
scale = float(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1.0

for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj, do_unlink=True)
bpy.context.scene.render.fps = 20
if path.lower().endswith(".bvh"):
    import io_anim_bvh.import_bvh as ib

    _open = open
    ib.open = lambda f, mode="r", *a, **k: _open(f, mode.replace("U", ""), *a, **k)  # Blender 3.4 + Python 3.11
    axes = {"y": ("-Z", "Y"), "z": ("Y", "Z")}[up]
    bpy.ops.import_anim.bvh(
        filepath=path,
        axis_forward=axes[0],
        axis_up=axes[1],
        global_scale=scale,
        rotate_mode="NATIVE",
        update_scene_fps=True,
        update_scene_duration=True,
    )
else:
    import numpy

    if "bool" not in vars(numpy):
        numpy.bool = bool  # Blender 3.4's glTF importer uses np.bool, gone since numpy 1.24
    bpy.ops.import_scene.gltf(filepath=path)

arm = next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")
action = arm.animation_data.action
first, last = (round(x) for x in action.frame_range)
root = next(b for b in arm.pose.bones if b.parent is None)
C = Matrix(((1, 0, 0), (0, 0, 1), (0, -1, 0)))  # Blender Z-up -> motionlgd Y-up
names = [b.name for b in arm.pose.bones]
heads, rots = [], []
for f in range(first, last + 1):
    bpy.context.scene.frame_set(f)
    A = arm.matrix_world
    heads.append([list(C @ (A @ b.head)) for b in arm.pose.bones])
    rel = (A @ root.matrix @ root.bone.matrix_local.inverted() @ A.inverted()).to_3x3()
    rots.append([list(r) for r in C @ rel @ C.transposed()])
with open(out, "w") as fh:
    json.dump({"names": names, "heads": heads, "root_rotation": rots}, fh)
print(f"dumped {len(heads)} frames of {len(names)} bones from {path}")
