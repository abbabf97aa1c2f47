"""End to end in a real browser: headless Chromium opens the studio, draws a path by clicking the
floor, places a disc, generates with a tiny model, waits for playback, reads the metrics shown and
downloads a BVH. Run alone with ``python -m pytest -m browser``; skipped (with the reason) where
Chromium, chromedriver, selenium or viser is missing (Debian: ``apt-get install chromium
chromium-driver``)."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

SCENARIO = {"prompt": "a person walks forward", "duration": 3.0, "sampler": {"steps": 4},
            "guidance": {"method": "precise"}}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser(download_dir: Path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip("Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"):  # fmt: skip
        opts.add_argument(arg)
    opts.binary_location = chromium
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False})  # fmt: skip
    return webdriver.Chrome(service=Service(driver), options=opts)


def _button(d, text: str):
    from selenium.webdriver.common.by import By

    button = next(b for b in d.find_elements(By.TAG_NAME, "button") if b.text == text)
    d.execute_script("arguments[0].scrollIntoView()", button)
    return button


def test_draw_generate_watch_download(tiny_model_dir, tmp_path: Path) -> None:
    pytest.importorskip("viser", reason="viser is not installed (pip install 'motionlgd[studio]')")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    d = _browser(downloads)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    import motionlgd
    from motionlgd.data.bvh import read_bvh
    from motionlgd.studio.app import StudioServer

    app = StudioServer(motionlgd.load_model(tiny_model_dir), tmp_path / "jobs", port=_free_port(), scenario=SCENARIO)
    try:
        d.get(app.url)
        WebDriverWait(d, 90).until(lambda d: any(b.text == "Generate" for b in d.find_elements(By.TAG_NAME, "button")))
        WebDriverWait(d, 30).until(lambda d: len(app.views) == 1)
        view = next(iter(app.views.values()))
        # the page has taken the studio's camera (above the start, looking down the +z floor)
        from motionlgd.studio.app import CAMERA_POSITION
        from motionlgd.studio.drawing import to_viser

        where = to_viser(CAMERA_POSITION)
        WebDriverWait(d, 30).until(lambda d: np.allclose(view.client.camera.position, where, atol=0.2))
        canvas = d.find_elements(By.TAG_NAME, "canvas")[0]

        def click(dx: int, dy: int) -> None:
            ActionChains(d).move_to_element_with_offset(canvas, dx, dy).click().perform()

        click(-150, 150)
        click(-150, -150)
        WebDriverWait(d, 20).until(lambda d: len(view.session.path_points()) == 2)
        tool = d.find_element(By.XPATH, "//label[contains(., 'Click adds')]/following::input[1]")
        tool.click()
        d.find_element(By.XPATH, "//*[@role='option' and normalize-space(.)='disc']").click()
        WebDriverWait(d, 10).until(lambda d: view.tool.value == "disc")
        click(-150, 0)
        WebDriverWait(d, 20).until(lambda d: len(view.session.obstacles()) == 1)
        (x0, z0), (x1, z1) = view.session.path_points()
        # left of the screen's centre is +x (the camera looks down +z), higher up the screen is further along +z
        assert x0 > 0 and x1 > 0 and z1 - z0 > 1.0
        _button(d, "Generate").click()
        body = lambda: d.find_element(By.TAG_NAME, "body").text  # noqa: E731
        WebDriverWait(d, 240).until(lambda d: "Done:" in body() or "Generation failed" in body())
        assert "Done:" in body(), body()
        job = app.jobs.get(1)
        row = job.metrics["per_sample"][0]
        assert f"path error {100 * row['path_error_mean_m']:.1f} cm" in body()
        assert f"penetration {row['obstacle_penetrated']:.0f}" in body()
        frame = view.frame
        time.sleep(1.0)
        assert view.frame != frame  # playing
        shot = tmp_path / "studio.png"
        d.save_screenshot(str(shot))
        from PIL import Image

        pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
        assert pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # not blank
        _button(d, "Download BVH").click()
        target = downloads / "motion.bvh"
        WebDriverWait(d, 30).until(lambda d: target.is_file() and target.stat().st_size > 0)
        time.sleep(0.5)
        bvh = read_bvh(target)
        assert bvh.num_frames == 60 and len(bvh.names) == 22
        # a second tab has its own scenario: it starts clean and does not see the first tab's edits
        d.switch_to.new_window("tab")
        d.get(app.url)
        WebDriverWait(d, 60).until(lambda d: len(app.views) == 2)
        other = next(v for v in app.views.values() if v is not view)
        assert other.session.path_points() == [] and not other.session.obstacles()
        assert len(view.session.path_points()) == 2
        # the panel following the session (setting its fields calls viser's on_update) keeps a timeline
        view._edit(lambda: view.session.set("duration", 12.0))
        view._edit(lambda: view.session.set_timeline("5: a person walks\na person runs"))
        time.sleep(0.5)
        assert [p["text"] for p in view.session.data["prompts"]] == ["a person walks", "a person runs"]
    finally:
        d.quit()
        app.stop()
