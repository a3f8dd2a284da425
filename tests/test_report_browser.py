"""Reports opened in headless Chromium (Debian's /usr/bin/chromium, driven by playwright).

Checks what a reader gets: no request leaves the page, no console error, the charts
drawn, the alpha shown equal to `agree --json`, a hostile article shown literally, and
a 1280-px screenshot whose main elements are where a reader expects them. Skipped, with
the reason, only where chromium or playwright is missing (.ci/chromium.sh installs it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SEEDS_DIR
from polnear_support import import_compartment, run_in_process
from test_report import hostile_project

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed (bash .ci/chromium.sh installs Debian's package)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as driver:
        # A fresh profile folder per run; playwright adds --headless.
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=ARGS,
            headless=True, viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


class Opened:
    def __init__(self, context, path: Path):
        self.page = context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.errors.append(f"failed: {request.url}"))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def check_self_contained(self) -> None:
        assert self.requests == [self.url], self.requests  # the file itself, nothing else
        assert self.errors == []


def screenshot_checks(opened: Opened, path: Path) -> None:
    """At 1280 px: nothing wider than the window, the main blocks visible, a real picture."""
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    opened.page.screenshot(path=str(path))
    from PIL import Image

    image = Image.open(path)
    assert image.size == (1280, 900)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text and charts, not a blank page
    title = page.locator("h1").bounding_box()
    assert title and title["y"] < 60


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    return import_compartment("annotator-training", tmp_path_factory.mktemp("browser-at"))


def test_polnear_training_report_in_chromium(browser, training, tmp_path):
    corpus, journals = training
    out = tmp_path / "report.html"
    assert run_in_process("report", journals, "--corpus", corpus, "-o", out).returncode == 0
    agree = json.loads(run_in_process("agree", journals, "--corpus", corpus, "--json").stdout)
    opened = Opened(browser, out)
    opened.check_self_contained()
    page = opened.page
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100 and box["x"] + box["width"] <= 1280
    alpha = page.locator("#alpha")
    assert alpha.inner_text() == f"{100 * agree['alpha']:.1f}%"
    assert float(alpha.get_attribute("data-value")) == agree["alpha"]
    # Every annotated document is rendered, readable: six versions with text and coloured spans.
    documents = page.locator("article.doc")
    assert documents.count() == 4
    for index in range(4):
        versions = documents.nth(index).locator("section.version")
        assert versions.count() == 6
        text = versions.first.locator(".text")
        assert len(text.inner_text()) > 500
        assert text.locator(".src").count() > 0 and text.locator(".cnt").count() > 0
        width = versions.first.bounding_box()["width"]
        assert width >= 300  # three columns at 1280 px, each wide enough to read
    # The document list links to each rendered document.
    links = page.locator("table.doclist a")
    assert links.count() == 4
    links.first.click()
    assert page.evaluate("location.hash") == "#doc-1"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot_checks(opened, tmp_path / "report-1280.png")


def test_seeds_and_hostile_article_in_chromium(browser, tmp_path):
    corpus, suggestions = tmp_path / "seeds.jsonl", tmp_path / "suggestions.jsonl"
    assert run_in_process("import", SEEDS_DIR, "-o", corpus).returncode == 0
    assert run_in_process("suggest", corpus, "-o", suggestions).returncode == 0
    out = tmp_path / "seeds.html"
    result = run_in_process("report", suggestions, "--corpus", corpus, "-o", out)
    assert result.returncode == 0, result.stderr
    opened = Opened(browser, out)
    opened.check_self_contained()
    assert opened.page.locator("svg.chart").count() >= 2  # one annotator: progress charts, no agreement
    assert opened.page.locator("article.doc").count() == 6
    screenshot_checks(opened, tmp_path / "seeds-1280.png")

    hostile_corpus, journals = hostile_project(tmp_path)
    for name, command in (("report", ("report", journals)), ("show", ("show", "<b>hostile</b>&amp;", journals))):
        out = tmp_path / f"hostile-{name}.html"
        assert run_in_process(*command, "--corpus", hostile_corpus, "-o", out).returncode == 0
        opened = Opened(opened.page.context, out)
        opened.check_self_contained()  # <img src=x> in the article fetches nothing
        page = opened.page
        shown = page.locator("article.doc section.version .text").first.inner_text()
        assert "<script>alert('x')</script>" in shown
        assert "</div></section>" in shown and "&lt;b&gt;" in shown
        assert "<img src=x onerror=alert(1)>" in shown
        assert "\u241b[31mred" in shown  # the escape character shown, not obeyed
        assert page.locator("article.doc script, article.doc img, article.doc b").count() == 0
