"""Screenshots of the learner's pages at a phone's width (390 px) in Hindi, for docs/screenshots/.

Builds a fresh demo in a temporary directory, serves it on 127.0.0.1, and drives Debian chromium as the demo
learner: home, a course player, its assessment, the certificate (the PDF's page) and the leaderboard.

    PYTHONPATH=src .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang hi]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pypdfium2
import uvicorn
from playwright.sync_api import Page, sync_playwright

from saptah import demo
from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker
from saptah.core.migrate import upgrade
from saptah.web.app import create_app
from saptah.wiring import wire

PHONE = {"width": 390, "height": 844}
COURSE = "Stress"  # DOPT-STRESS: two text modules and a three-question assessment
ANSWERS = [1, 2, 1]


def serve(tmp: Path) -> tuple[str, uvicorn.Server]:
    """A demo Saptah on a free loopback port."""
    url = f"sqlite:///{tmp / 'demo.db'}"
    upgrade(url)
    wire()
    factory = make_sessionmaker(make_engine(url))
    demo.build(factory, people=300)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(
        env="development", database_url=url, base_url=f"http://127.0.0.1:{port}", mail_dir=tmp / "mail",
        upload_dir=tmp / "uploads", run_worker_in_app=True,
    )  # fmt: skip
    server = uvicorn.Server(uvicorn.Config(create_app(settings, factory=factory), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the demo server did not start")


def shoot(page: Page, out: Path, name: str, selector: str | None = None) -> None:
    """A full-page (or one element's) PNG."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    path = out / f"{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    print(path)


def run(base: str, out: Path, lang: str) -> None:
    """Walk through the learner's pages and take the pictures."""
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
        page.goto(f"{base}/sign-in")
        page.fill("input[name=email]", "learner@saptah.demo")
        page.fill("input[name=password]", "saptah-demo-2024")
        page.click("button[type=submit]")
        page.goto(f"{base}/lang/{lang}")  # kept in the learner's profile
        page.goto(f"{base}/")
        shoot(page, out, f"{lang}-home")
        page.goto(f"{base}/courses?q={COURSE}")
        page.click("[data-testid=course-table] a >> nth=0")
        page.click("[data-testid=enrol]")
        page.wait_for_url("**/learn/*")
        shoot(page, out, f"{lang}-course-player")
        while page.locator("[data-testid=mark-done]").count():
            page.click("[data-testid=mark-done]")
            page.wait_for_load_state("load")
        shoot(page, out, f"{lang}-assessment", "#assessment")
        for i, answer in enumerate(ANSWERS):
            page.check(f"input[name=q{i}][value='{answer}']")
        page.click("[data-testid=submit-assessment]")
        page.wait_for_load_state("load")
        page.click("a[href^='/courses/']")
        href = page.get_attribute("[data-testid=certificate-pdf]", "href")
        pdf = page.request.get(base + str(href)).body()
        image = pypdfium2.PdfDocument(pdf)[0].render(scale=1.4).to_pil()
        image.save(out / f"{lang}-certificate.png")
        print(out / f"{lang}-certificate.png")
        page.goto(f"{base}/")
        page.click("[data-testid=rank-panel] a.button")  # the running campaign's leaderboard
        shoot(page, out, f"{lang}-leaderboard")
        browser.close()


def main() -> None:
    """Build, serve, shoot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    parser.add_argument("--lang", default="hi")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base, server = serve(Path(tmp))
        try:
            run(base, args.out, args.lang)
        finally:
            server.should_exit = True


if __name__ == "__main__":
    main()
