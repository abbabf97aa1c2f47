"""The studio in headless Chromium: a generated walk around obstacles (the README's picture) and
the time from clicking Generate to playback of a 6 s clip on the shipped model.

    python benchmarks/studio_shot.py [--out docs/images/studio.png]

Needs Chromium + chromedriver (Debian: apt-get install chromium chromium-driver), selenium and
viser. Prints ``click_to_playback_s=...`` and ``generate_s=...``.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

SCENARIO = {
    "prompt": "a person walks forward",
    "duration": 6.0,
    "seed": 0,
    "num_samples": 1,
    "path": {"points": [[0.0, 0.0], [0.0, 3.0], [1.5, 6.0]]},
    "obstacles": {"margin": 0.15, "joints": "root", "shapes": [
        {"type": "disc", "center": [0.1, 2.0], "radius": 0.4},
        {"type": "box", "center": [0.6, 4.3], "size": [0.6, 0.5], "angle": 20.0}]},
    "guidance": {"method": "precise"},
    "sampler": {"name": "ddim", "steps": 50},
    "foot_cleanup": "steps",
}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "images" / "studio.png"))
    args = ap.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    import motionlgd
    from motionlgd.studio.app import StudioServer
    from motionlgd.studio.drawing import to_viser

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = StudioServer(motionlgd.load_model(), tempfile.mkdtemp(prefix="studio-shot-"), port=port, scenario=SCENARIO)
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,860",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"):  # fmt: skip
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium") or "chromium"
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        d.get(app.url)
        WebDriverWait(d, 90).until(lambda d: any(b.text == "Generate" for b in d.find_elements(By.TAG_NAME, "button")))
        WebDriverWait(d, 30).until(lambda d: len(app.views) == 1)
        view = next(iter(app.views.values()))
        button = next(b for b in d.find_elements(By.TAG_NAME, "button") if b.text == "Generate")
        d.execute_script("arguments[0].scrollIntoView()", button)
        t0 = time.perf_counter()
        button.click()
        WebDriverWait(d, 300).until(lambda d: view.result is not None and view.frame > 0)
        click_to_playback = time.perf_counter() - t0
        job = app.jobs.get(1)
        for toast in d.find_elements(By.XPATH, "//button[contains(@class, 'CloseButton')]"):
            toast.click()  # the "software WebGL" notice of headless Chromium
        view.playing.value = False
        time.sleep(0.5)
        view.slider.value = 60
        time.sleep(0.5)
        pelvis = view.result.joints[0, 60, 0]
        view.client.camera.position = tuple(to_viser(pelvis + np.array([2.6, 1.4, -2.2])).tolist())
        view.client.camera.look_at = tuple(to_viser(pelvis + np.array([0.0, -0.3, 0.6])).tolist())
        time.sleep(2.0)
        d.save_screenshot(args.out)
        print(f"wrote {args.out}")
        print(f"generate_s={job.seconds:.2f} click_to_playback_s={click_to_playback:.2f}")
    finally:
        d.quit()
        app.stop()


if __name__ == "__main__":
    main()
