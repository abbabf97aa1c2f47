"""motionlgd studio: draw a route and obstacles in the browser, generate, watch, download.

``motionlgd studio [SCENARIO.yaml] [--port 8080] [--host 127.0.0.1]`` (needs the ``[studio]``
extra: viser). Built on viser because it is made for this field (a 3D scene and a GUI panel
in the browser, clicks on the scene, drag handles, file downloads) and serves its client from
the installed package, offline. :mod:`.session` (the validated scenario each tab edits) and
:mod:`.jobs` (the one-model generation queue) do not need viser.
"""

from __future__ import annotations

from .jobs import DOWNLOADS, GenerationCancelledError, Job, JobQueue
from .session import DEFAULT_SCENARIO, METHODS, StudioSession

__all__ = ["DEFAULT_SCENARIO", "DOWNLOADS", "METHODS", "GenerationCancelledError", "Job", "JobQueue", "StudioSession"]
