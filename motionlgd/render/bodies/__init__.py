"""Skinned mesh bodies for the renderer (optional extras), one module per body model.

Each module exposes ``load(model_path) -> MeshBody`` (see :class:`motionlgd.render.body.MeshBody`);
:func:`motionlgd.render.body.load_body` picks the module by name and imports it lazily.
"""
