"""Run inside Blender: import a .glb as a user would (File > Import > glTF 2.0) and render one
frame with Cycles on the CPU (no display or GPU needed).

    blender --background --factory-startup --python-exit-code 1 \
        --python benchmarks/blender_render_glb.py -- motion.glb out.png [FRAME]

Used by ``benchmarks/make_docs.py`` (job ``glb``) for the picture in docs/export.md.
"""

import math
import sys

import bpy
import numpy
from mathutils import Vector

if "bool" not in vars(numpy):
    numpy.bool = bool  # Blender 3.4's glTF importer uses np.bool, gone since numpy 1.24

argv = sys.argv[sys.argv.index("--") + 1 :]
path, out = argv[0], argv[1]
frame = int(argv[2]) if len(argv) > 2 else 1
for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj, do_unlink=True)
scene = bpy.context.scene
scene.render.fps = 20
bpy.ops.import_scene.gltf(filepath=path)
arm = next(o for o in scene.objects if o.type == "ARMATURE")
first, last = (round(x) for x in arm.animation_data.action.frame_range)
scene.frame_set(min(first + frame, last))
bones = [arm.matrix_world @ b.head for b in arm.pose.bones]
centre = sum(bones, Vector()) / len(bones)
# ground, light, camera (Blender is Z up: the character stands on the XY plane)
bpy.ops.mesh.primitive_plane_add(size=40, location=(centre.x, centre.y, 0.0))
floor = bpy.context.active_object
mat = bpy.data.materials.new("floor")
mat.use_nodes = True
mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.8, 0.8, 0.78, 1.0)
floor.data.materials.append(mat)
bpy.ops.object.light_add(type="SUN", rotation=(math.radians(40), math.radians(10), math.radians(30)))
bpy.context.active_object.data.energy = 3.0
world = bpy.data.worlds.new("sky") if scene.world is None else scene.world
scene.world = world
world.use_nodes = True
world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.9, 0.93, 1.0, 1.0)
world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.6
cam_pos = centre + Vector((3.3, -1.6, 0.45))
bpy.ops.object.camera_add(location=cam_pos)
cam = bpy.context.active_object
cam.rotation_euler = (centre + Vector((0, 0, -0.1)) - cam_pos).to_track_quat("-Z", "Y").to_euler()
cam.data.lens = 42
scene.camera = cam
scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = 32
scene.cycles.use_denoising = False
bpy.context.view_layer.cycles.use_denoising = False
scene.render.resolution_x, scene.render.resolution_y = 720, 480
scene.render.filepath = out
bpy.ops.render.render(write_still=True)
print(f"rendered frame {scene.frame_current} of {path} to {out}")
