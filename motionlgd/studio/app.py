"""The studio web app on `viser <https://viser.studio>`_: one server, one model, a view per tab.

Each browser tab gets its own :class:`~motionlgd.studio.session.StudioSession` (so two tabs
never see each other's edits), its own 3D scene and panel. Generation goes through the
server's single :class:`~motionlgd.studio.jobs.JobQueue`. viser serves its client from the
installed package: nothing is fetched from the internet.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MotionLGDError
from .drawing import floor_point, from_viser, metrics_lines, prism, skeleton_segments, to_viser, trail_segments
from .jobs import Job, JobQueue
from .session import METHODS, StudioSession

__all__ = ["ClientView", "StudioServer"]

log = logging.getLogger(__name__)

TOOLS = ("path point", "waypoint", "disc", "box", "goal", "start")
#: Where a tab's camera starts (motionlgd's Y-up metres): above and behind the start, looking
#: down the +z floor, so a click above the screen's centre lands further along +z.
CAMERA_POSITION = (0.0, 11.0, -5.0)
CAMERA_LOOK_AT = (0.0, 0.0, 3.5)
_SAMPLE_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]
_SIDE_BY_SIDE_M = 2.0  # metres between samples drawn side by side


class StudioServer:
    """The studio: a viser server, the loaded model's job queue, one :class:`ClientView` per tab.

    Args:
        model: the loaded model (one per server).
        out_root: folder for the jobs' outputs (downloads come only from here).
        host, port: where to listen (127.0.0.1 by default: only this machine).
        scenario: mapping every new tab starts from (default: an empty 6 s walk).
        demos: name -> scenario file offered in the "load demo" menu.
    """

    def __init__(
        self,
        model: Any,
        out_root: str | Path,
        host: str = "127.0.0.1",
        port: int = 8080,
        scenario: dict[str, Any] | None = None,
        demos: dict[str, Path] | None = None,
    ) -> None:
        import viser

        self.model = model
        self.jobs = JobQueue(model, out_root)
        self.scenario = scenario
        self.demos = dict(demos or {})
        self.views: dict[int, ClientView] = {}
        self.running = True
        self.server = viser.ViserServer(host=host, port=port, label="motionlgd studio", verbose=False)
        self.server.on_client_connect(self._connect)
        self.server.on_client_disconnect(self._disconnect)

    @property
    def url(self) -> str:
        return f"http://{self.server.get_host()}:{self.server.get_port()}"

    def _connect(self, client: Any) -> None:
        self.views[client.client_id] = ClientView(self, client)

    def _disconnect(self, client: Any) -> None:
        view = self.views.pop(client.client_id, None)
        if view is not None:
            view.alive = False
            if view.job is not None:
                view.job.cancel()

    def stop(self) -> None:
        self.running = False
        for view in self.views.values():
            view.alive = False
        self.jobs.shutdown()
        self.server.stop()


class ClientView:
    """One tab: its session, scene drawing, panel and playback."""

    def __init__(self, app: StudioServer, client: Any) -> None:
        self.app, self.client = app, client
        self.session = StudioSession(app.scenario)
        self.job: Job | None = None
        self.result: Any = None
        self.frame = 0
        self.alive = True
        self._lock = threading.RLock()  # edits, redraws and playback run on viser's thread pool
        self._syncing = False  # panel values set from the session must not call back into it
        self._clicked_at = 0.0
        self._drawn: list[Any] = []
        self._motion: list[Any] = []
        scene = client.scene  # viser's world is Z up: everything goes through to_viser / from_viser
        scene.add_grid("/floor", width=30.0, height=30.0, plane="xy", cell_size=0.5, section_size=1.0)
        client.camera.up_direction = (0.0, 0.0, 1.0)
        client.camera.position = tuple(to_viser(CAMERA_POSITION).tolist())
        client.camera.look_at = tuple(to_viser(CAMERA_LOOK_AT).tolist())
        scene.on_click()(self._on_floor_click)
        self._build_panel()
        self.redraw()
        threading.Thread(target=self._play_loop, daemon=True).start()

    # -- panel -------------------------------------------------------------------------
    def _build_panel(self) -> None:
        gui, s = self.client.gui, self.session
        gui.add_markdown("**motionlgd studio** — click the floor to draw, then Generate.")
        with gui.add_folder("Draw"):
            self.tool = gui.add_dropdown("Click adds", TOOLS, initial_value="path point")
            self.wp_time = gui.add_number("Waypoint time (s)", 3.0, min=0.0, max=600.0, step=0.1)
            self.wp_index = gui.add_number("Waypoint #", 1, min=1, max=99, step=1)
            gui.add_button("Set that waypoint's time").on_click(
                lambda _: self._edit(lambda: s.set_waypoint_time(self._waypoint_index(), self.wp_time.value))
            )
            self.heading = gui.add_number("Start heading (deg)", 0.0, min=-360.0, max=360.0, step=15.0)
            gui.add_button("Set start heading").on_click(
                lambda _: self._edit(lambda: s.set_start_heading(self.heading.value))
            )
            gui.add_button("Remove last path point").on_click(lambda _: self._edit(s.remove_path_point))
            gui.add_button("Remove last waypoint").on_click(lambda _: self._edit(s.remove_waypoint))
            gui.add_button("Remove last obstacle").on_click(lambda _: self._edit(s.remove_obstacle))
            gui.add_button("Remove goal").on_click(lambda _: self._edit(lambda: s.set_goal(None)))
            gui.add_button("Clear floor").on_click(lambda _: self._edit(s.clear))
        with gui.add_folder("Obstacle", expand_by_default=False):
            self.obs_index = gui.add_number("Obstacle #", 1, min=1, max=99, step=1)
            self.obs_radius = gui.add_number("Radius (disc)", 0.4, min=0.05, max=20.0, step=0.05)
            self.obs_size = gui.add_vector2("Size (box)", (0.8, 0.8), min=(0.05, 0.05), step=0.05)
            self.obs_angle = gui.add_number("Angle (box, deg)", 0.0, min=-360.0, max=360.0, step=5.0)
            gui.add_button("Apply to obstacle").on_click(lambda _: self._edit(self._apply_obstacle))
        with gui.add_folder("Scenario"):
            self.fields = {
                "prompt": gui.add_text("Prompt", s.get("prompt") or ""),
                "duration": gui.add_number("Duration (s)", s.get("duration") or 6.0, min=0.5, max=600.0, step=0.5),
                "method": gui.add_dropdown("Method", METHODS, initial_value=s.get("method") or "precise"),
                "n": gui.add_number("LGD-MC n", s.get("n") or 16, min=1, max=256, step=1),
                "scale": gui.add_number("Guidance scale", s.get("scale") or 1.0, min=0.0, max=1000.0, step=0.1),
                "steps": gui.add_number("Steps", s.get("steps") or 50, min=2, max=1000, step=1),
                "seed": gui.add_number("Seed", s.get("seed") or 0, min=0, max=2**31 - 1, step=1),
                "num_samples": gui.add_number("Samples", s.get("num_samples") or 1, min=1, max=8, step=1),
                "foot_cleanup": gui.add_dropdown(
                    "Foot clean-up", ("steps", "pin", "none"), initial_value=s.get("foot_cleanup") or "none"
                ),
            }
            self.timeline = gui.add_text("Prompt timeline", s.timeline_text(), multiline=True,
                                         hint="one prompt per line: 'SECONDS: text' lasts until then; the last has no time")  # fmt: skip
            gui.add_button("Apply timeline").on_click(lambda _: self._edit(lambda: s.set_timeline(self.timeline.value)))
            for name, handle in self.fields.items():
                handle.on_update(lambda _, n=name, h=handle: self._field_changed(n, h))
        with gui.add_folder("Load / save"):
            if self.app.demos:
                self.demo = gui.add_dropdown("Demo", tuple(self.app.demos), initial_value=next(iter(self.app.demos)))
                gui.add_button("Load demo").on_click(lambda _: self._edit(self._load_demo))
            up = gui.add_upload_button("Load scenario YAML", mime_type="*/*")
            up.on_upload(lambda _: self._edit(lambda: s.load_yaml(up.value.content.decode("utf-8"), up.value.name)))
            gui.add_button("Download scenario.yaml").on_click(
                lambda _: self.client.send_file_download("scenario.yaml", s.to_yaml().encode(), save_immediately=True)
            )
        self.generate_button = gui.add_button("Generate")
        self.generate_button.on_click(lambda _: self.generate())
        gui.add_button("Cancel").on_click(lambda _: self.job.cancel() if self.job else None)
        self.progress = gui.add_progress_bar(0.0, visible=False)
        self.status = gui.add_markdown("Ready.")
        with gui.add_folder("Playback"):
            self.playing = gui.add_checkbox("Play", True)
            self.side_by_side = gui.add_checkbox("Samples side by side", False)
            self.slider = gui.add_slider("Frame", min=0, max=1, step=1, initial_value=0)
            self.slider.on_update(lambda _: self._seek(int(self.slider.value)))
            self.side_by_side.on_update(lambda _: self._show_result())
        self.metrics = gui.add_markdown("")
        with gui.add_folder("Download"):
            self.rig = gui.add_dropdown("BVH rig", ("smpl", "mixamo"), initial_value="smpl")
            self.bvh_up = gui.add_dropdown("BVH up axis", ("y", "z"), initial_value="y")
            for kind, label in (("npz", "motion.npz"), ("bvh", "BVH"), ("glb", "glTF (.glb)"), ("mp4", "mp4 video"),
                                ("yaml", "scenario.yaml (as generated)")):  # fmt: skip
                gui.add_button(f"Download {label}").on_click(lambda _, k=kind: self.download(k))

    def _set_status(self, text: str) -> None:
        self.status.content = text

    def _field_changed(self, name: str, handle: Any) -> None:
        if not self._syncing:  # a user's edit, not the panel following the session
            self._edit(lambda: self.session.set(name, handle.value), sync=False)

    def _edit(self, change: Any, sync: bool = True) -> None:
        """Run one edit of the session; a refused edit shows the validator's message."""
        with self._lock:
            try:
                change()
            except (MotionLGDError, ValueError, IndexError) as exc:
                self._set_status(f"**Not applied:** {exc}")
                if not sync:
                    self._sync_fields()
                return
            self._set_status("Ready.")
            if sync:
                self._sync_fields()
            self.redraw()

    def _sync_fields(self) -> None:
        self._syncing = True  # viser calls on_update when a value is set from here
        try:
            for name, handle in self.fields.items():
                value = self.session.get(name)
                if value is not None and handle.value != value:
                    handle.value = value
            if self.timeline.value != self.session.timeline_text():
                self.timeline.value = self.session.timeline_text()
        finally:
            self._syncing = False

    def _waypoint_index(self) -> int:
        i = int(self.wp_index.value) - 1
        if not 0 <= i < len(self.session.waypoints()):
            raise MotionLGDError(f"there is no waypoint #{i + 1} (there are {len(self.session.waypoints())})")
        return i

    def _drag_end(self, event: Any, change: Any) -> None:
        """Apply a handle's move when the drag ends (redrawing mid-drag would drop the handle)."""
        if getattr(event, "phase", "end") == "end":
            self._edit(change)

    def _drag_path_point(self, i: int, position: Any) -> None:
        x, _, z = from_viser(position)
        self.session.move_path_point(i, x, z)

    def _drag_obstacle(self, i: int, position: Any) -> None:
        x, _, z = from_viser(position)
        self.session.update_obstacle(i, center=(x, z))

    def _apply_obstacle(self) -> None:
        i = int(self.obs_index.value) - 1
        shapes = self.session.obstacles()
        if not 0 <= i < len(shapes):
            raise MotionLGDError(f"there is no obstacle #{i + 1} (there are {len(shapes)})")
        if shapes[i]["type"] == "disc":
            self.session.update_obstacle(i, radius=self.obs_radius.value)
        else:
            self.session.update_obstacle(i, size=tuple(self.obs_size.value), angle=self.obs_angle.value)

    def _load_demo(self) -> None:
        path = self.app.demos[self.demo.value]
        self.session.load_yaml(path.read_text(), path.name)

    # -- the floor ---------------------------------------------------------------------
    def _on_floor_click(self, event: Any) -> None:
        hit = floor_point(from_viser(event.ray_origin), from_viser(event.ray_direction))
        if hit is None:
            return
        x, z = hit
        s, tool = self.session, self.tool.value
        actions = {
            "path point": lambda: s.add_path_point(x, z),
            "waypoint": lambda: s.add_waypoint(x, z, self.wp_time.value),
            "disc": lambda: s.add_disc(x, z, self.obs_radius.value),
            "box": lambda: s.add_box(x, z, tuple(self.obs_size.value), self.obs_angle.value),
            "goal": lambda: s.set_goal(x, z),
            "start": lambda: s.set_start(x, z),
        }
        self._edit(actions[tool])

    def redraw(self) -> None:
        """Draw the session's path, waypoints, goal, obstacles and start."""
        with self._lock:
            self._redraw()

    def _redraw(self) -> None:
        from ..render.scene import obstacle_outline

        for handle in self._drawn:
            handle.remove()
        self._drawn = []
        scene, sc = self.client.scene, self.session.scenario()
        add = self._drawn.append
        pending = self.session.pending_path_point()
        pts = self.session.path_points() or ([pending] if pending else [])
        for i, (x, z) in enumerate(pts):
            at = to_viser((x, 0.05, z))
            add(scene.add_icosphere(f"/edit/path/{i}", radius=0.08, color=(20, 20, 20), position=at))
            ctl = scene.add_transform_controls(f"/edit/path_ctl/{i}", scale=0.5, position=at, disable_rotations=True,
                                               active_axes=(True, True, False))  # fmt: skip
            ctl.on_update(lambda e, i=i, c=ctl: self._drag_end(e, lambda: self._drag_path_point(i, c.position)))
            add(ctl)
        if sc.path is not None:
            target = np.asarray(sc.path_targets(), dtype=np.float32)
            line = to_viser(np.column_stack([target[:, 0], np.full(len(target), 0.02), target[:, 1]]))
            add(scene.add_line_segments("/edit/path_line", np.stack([line[:-1], line[1:]], 1), (30, 30, 30),
                                        thickness=0.03))  # fmt: skip
        for i, wp in enumerate(self.session.waypoints()):
            x, z = wp["position"]
            add(scene.add_icosphere(f"/edit/wp/{i}", radius=0.12, color=(240, 170, 0), position=to_viser((x, 0.12, z))))
            add(scene.add_label(f"/edit/wp_label/{i}", f"{wp.get('time', '')}", position=to_viser((x, 0.5, z))))
        if sc.goal is not None:
            x, z = sc.goal["position"]
            add(scene.add_cylinder("/edit/goal", radius=0.2, height=0.02, color=(40, 170, 60),
                                   position=to_viser((x, 0.01, z))))  # fmt: skip
        for i, shape in enumerate(self.session.obstacles()):
            verts, faces = prism(obstacle_outline({**shape, "angle": shape.get("angle", 0.0)}), height=1.0)
            add(scene.add_mesh_simple(f"/edit/obstacle/{i}", to_viser(verts), faces, color=(200, 60, 50), opacity=0.6))
            cx, cz = shape["center"]
            add(scene.add_label(f"/edit/obstacle_label/{i}", f"#{i + 1}", position=to_viser((cx, 1.2, cz))))
            ctl = scene.add_transform_controls(f"/edit/obstacle_ctl/{i}", scale=0.6, position=to_viser((cx, 1.0, cz)),
                                               disable_rotations=True, active_axes=(True, True, False))  # fmt: skip
            ctl.on_update(lambda e, i=i, c=ctl: self._drag_end(e, lambda: self._drag_obstacle(i, c.position)))
            add(ctl)
        (sx, sz), heading = sc.start_pose()
        h = np.radians(heading)
        arrow = np.array([[[sx, 0.03, sz], [sx + 0.5 * np.sin(h), 0.03, sz + 0.5 * np.cos(h)]]], dtype=np.float32)
        add(self.client.scene.add_line_segments("/edit/start", to_viser(arrow), (20, 120, 220), thickness=0.05))

    # -- generation and playback -------------------------------------------------------
    def generate(self) -> None:
        """Queue the session's scenario on the server's queue."""
        if self.job is not None and self.job.status in ("queued", "running"):
            self.job.cancel()  # a new request from this tab replaces its previous one
        self._clicked_at = time.perf_counter()
        self.progress.visible, self.progress.value = True, 0.0
        self._set_status("Queued…")
        self.job = self.app.jobs.submit(self.session.data, on_progress=self._on_progress, on_done=self._on_done)

    def _on_progress(self, job: Job) -> None:
        if job is self.job:
            self.progress.value = round(100.0 * job.progress, 1)
            self._set_status(f"Generating… {100 * job.progress:.0f} %")

    def _on_done(self, job: Job) -> None:
        if job is not self.job:
            return
        self.progress.visible = False
        if job.status != "done":
            self._set_status(f"**Generation {job.status}:** {job.error}" if job.error else f"Generation {job.status}.")
            return
        self.result = job.result
        self._show_result()
        wait = time.perf_counter() - self._clicked_at
        self._set_status(f"Done: job {job.id}, {job.seconds:.1f} s to generate, playing {wait:.1f} s after the click.")
        self.metrics.content = "\n".join(["**Metrics**", *metrics_lines(job.metrics)])

    def _offsets(self) -> list[tuple[float, float, float]]:
        n = self.result.joints.shape[0]
        side = self.side_by_side.value
        return [(_SIDE_BY_SIDE_M * (i - (n - 1) / 2) if side else 0.0, 0.0, 0.0) for i in range(n)]

    def _show_result(self) -> None:
        with self._lock:
            self._draw_result()

    def _draw_result(self) -> None:
        if self.result is None:
            return
        for handle in self._motion:
            handle.remove()
        self._motion = []
        scene, joints = self.client.scene, self.result.joints
        for i, off in enumerate(self._offsets()):
            color = _SAMPLE_COLORS[i % len(_SAMPLE_COLORS)]
            bones = to_viser(skeleton_segments(joints[i, 0], off))
            self._motion.append(scene.add_line_segments(f"/motion/{i}/skeleton", bones, color, thickness=0.05))
            trail = to_viser(trail_segments(joints[i], off))
            self._motion.append(scene.add_line_segments(f"/motion/{i}/trail", trail, color, thickness=0.02))
        self.slider.max = joints.shape[1] - 1
        self._seek(0)

    def _seek(self, frame: int) -> None:
        with self._lock:
            if self.result is None or len(self._motion) < 2 * self.result.joints.shape[0]:
                return
            self.frame = int(np.clip(frame, 0, self.result.joints.shape[1] - 1))
            for i, off in enumerate(self._offsets()):
                self._motion[2 * i].points = to_viser(skeleton_segments(self.result.joints[i, self.frame], off))

    def _play_loop(self) -> None:
        while self.alive and self.app.running:
            time.sleep(1.0 / 20.0)
            if self.result is None or not self.playing.value:
                continue
            try:
                nxt = (self.frame + 1) % self.result.joints.shape[1]
                self._seek(nxt)
                self.slider.value = nxt
            except Exception:  # a closing tab or a redraw must not end playback for good
                log.debug("studio playback step failed", exc_info=True)

    # -- downloads ---------------------------------------------------------------------
    def download(self, kind: str) -> None:
        """Send a file of the last finished job (made in its folder on the server)."""
        if self.job is None or self.job.status != "done":
            self._set_status("**Nothing to download yet:** generate first.")
            return
        options: dict[str, Any] = {}
        if kind == "bvh":
            options = {"rig": self.rig.value, "up": self.bvh_up.value}
        try:
            path = self.app.jobs.file(self.job.id, kind, **options)
        except Exception as exc:  # a missing extra (ImportError) or an exporter's error: say so in the page
            self._set_status(f"**Download failed:** {type(exc).__name__}: {exc}")
            return
        self.client.send_file_download(path.name, path.read_bytes(), save_immediately=True)
