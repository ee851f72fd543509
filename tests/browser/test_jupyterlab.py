"""The course in a real browser: `make lab` in headless Chromium.

A copy of the project (the notebooks copied, the environment linked) is started with
`make lab`, as a learner starts it, on a free localhost port with a token. Then:

- the learner's command opens the student edition's notebook 00, at the project root,
  with this project's settings (no news pop-up);
- every notebook with a widget cell runs to the end (Run All) without an error, and its
  explorer redraws when a control moves; a screenshot of each is saved;
- opening a notebook and saving it leaves the file as it was (no `git diff` from a visit).

Needs Chromium and its driver (Debian: apt-get install chromium chromium-driver) and
Selenium (`make test-browser` installs it); without them the tests skip and say so.
Screenshots go to $BROWSER_SCREENSHOTS if set, else to pytest's temporary folder.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WIDGET_MARK = "# a widget: its state is not stored"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000"]
TOKEN = "browser-test"
RUN_TIMEOUT = 120  # seconds for Run All on one notebook (each runs in under 10 s on a laptop)


def widget_notebooks() -> list[str]:
    """The course notebooks that have a widget cell (the convention: its second line is WIDGET_MARK)."""
    return sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                  if any(WIDGET_MARK in cell.source for cell in nbformat.read(path, 4).cells if cell.cell_type == "code"))


# --- the server and the browser ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The project as `make lab` sees it in a fresh clone: the notebooks and files copied (the browser
    may save into them), the environment linked."""
    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("no .venv with JupyterLab: run make test-browser (it sets one up)")
    project = tmp_path_factory.mktemp("clone") / "course"
    project.mkdir()
    for name in ["Makefile", "pyproject.toml", "README.md"]:
        shutil.copy2(ROOT / name, project / name)
    for name in ["notebooks", "figures", "tools", ".jupyter"]:
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (project / ".venv").symlink_to(ROOT / ".venv")
    return project


@pytest.fixture(scope="module")
def lab(project):
    """`make lab` in the copy, with LAB_ARGS adding a port, a token and no browser; yields its URL."""
    port = free_port()
    args = f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={TOKEN}"
    log = open(project.parent / "lab.log", "w")
    # -o: the copy's environment is the project's own; make must not reinstall it from the copy
    server = subprocess.Popen(["make", "-s", "-C", str(project), "-o", ".venv/.course", "lab", f"LAB_ARGS={args}"],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, server, project.parent / "lab.log")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def wait_for_server(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"make lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium driven by Selenium; skips, saying what to install, when either is missing."""
    missing = [what for what, found in [("chromium", os.access(CHROMIUM, os.X_OK)), ("chromedriver", CHROMEDRIVER)]
               if not found]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: on Debian or Ubuntu, "
                    "apt-get install chromium chromium-driver; then make test-browser")
    webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed: make test-browser installs it")
    os.environ["SE_OFFLINE"] = "true"  # the drivers are given: Selenium must not look for others online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- driving JupyterLab -----------------------------------------------------------------------------

def wait_until(condition, timeout: float, what: str, poll: float = 0.25):
    """Poll `condition()` until it returns something true; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"{what} within {timeout:.0f} s")


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_in_lab(driver, base: str, path: str, workspace: str) -> None:
    """Open `path` in a fresh workspace (no other tabs restored) and wait for its kernel to be idle."""
    driver.get(f"{base}/lab/workspaces/{workspace}/tree/{path}?reset&token={TOKEN}")
    wait_until(lambda: css(driver, ".jp-NotebookPanel .jp-Cell"), 60, f"{path} did not show its cells")
    wait_until(lambda: css(driver, '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]'),
               60, f"the kernel of {path} was not ready")


def run_menu_command(driver, menu: str, label: str) -> None:
    """Click `menu` in the menu bar, then its item labelled `label` (e.g. Run > Run All Cells)."""
    from selenium.webdriver.common.by import By

    menus = [item for item in css(driver, ".lm-MenuBar-item") if item.text.strip() == menu]
    assert menus, f"no {menu!r} menu in JupyterLab's menu bar"
    menus[0].click()

    def item():
        return [entry for entry in css(driver, ".lm-Menu-item")
                if [el.text for el in entry.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")] == [label]]

    wait_until(item, 10, f"the {menu} menu did not offer {label!r}")[0].click()


def error_texts(driver) -> list[str]:
    """The text of every error shown: tracebacks and stderr with an error, widgets that failed to display."""
    stderr = [el.text for el in css(driver, '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    widgets = [el.text for el in css(driver, ".jp-OutputArea-output") if "Error displaying widget" in el.text]
    return [text for text in stderr if "Traceback" in text or "Error" in text] + widgets


def run_all(driver, name: str) -> None:
    """Run All, then wait until every code cell has run (its prompt shows a number), failing on an error."""
    run_menu_command(driver, "Run", "Run All Cells")

    def finished():
        errors = error_texts(driver)
        if errors:
            pytest.fail(f"{name}: Run All showed an error:\n{errors[0][-2000:]}")
        prompts = [el.get_attribute("textContent") for el in css(driver, ".jp-CodeCell .jp-InputPrompt")]
        return prompts and all(p.strip()[1:-2].isdigit() for p in prompts)  # "[12]:"

    wait_until(finished, RUN_TIMEOUT, f"{name}: Run All did not finish", poll=0.5)


def explorer(driver):
    """The one explorer's output area and its image, scrolled into view and drawn."""
    images = css(driver, ".jp-OutputArea-output .widget-image")
    assert len(images) == 1, f"expected one explorer image, found {len(images)}"
    image = images[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", image)
    wait_until(lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", image),
               30, "the explorer's image was not drawn")
    area = driver.execute_script("return arguments[0].closest('.jp-OutputArea-output');", image)
    return area, image


def control(area, kind: str, label: str):
    """The control of class `widget-{kind}` (slider, dropdown, button...) labelled `label` in `area`."""
    from selenium.webdriver.common.by import By

    if kind == "button":
        found = [b for b in area.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == label]
    else:
        found = [c for c in area.find_elements(By.CSS_SELECTOR, f".widget-{kind}")
                 if c.find_elements(By.CSS_SELECTOR, ".widget-label") and
                 c.find_element(By.CSS_SELECTOR, ".widget-label").get_attribute("textContent").strip() == label]
    assert found, f"no {kind} labelled {label!r} in the explorer"
    return found[0]


def slider_disabled(slider) -> bool:
    from selenium.webdriver.common.by import By

    return slider.find_element(By.CSS_SELECTOR, ".noUi-target").get_attribute("disabled") is not None


def choose(dropdown, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(dropdown.find_element(By.CSS_SELECTOR, "select")).select_by_visible_text(text)


def nudge(slider, presses: int) -> None:
    """Move a slider's handle `presses` steps to the right with the keyboard, as a user can."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    handle = slider.find_element(By.CSS_SELECTOR, ".noUi-handle")
    handle.click()
    for _ in range(presses):
        handle.send_keys(Keys.ARROW_RIGHT)


# What to move in each notebook's explorer, and what must hold before and after.

def move_02(area) -> None:
    control(area, "button", "Next ▶").click()


def move_05(area) -> None:
    slope = control(area, "slider", "leaky slope")
    assert slider_disabled(slope), "the leaky slope does nothing for sigmoid: its slider is disabled"
    choose(control(area, "dropdown", "activation"), "leaky_relu")
    wait_until(lambda: not slider_disabled(slope), 10, "the leaky slope slider was not enabled for leaky ReLU")
    nudge(slope, presses=15)


def move_06(area) -> None:
    nudge(control(area, "slider", "learning rate"), presses=10)


def move_09(area) -> None:
    assert slider_disabled(control(area, "slider", "lr Nesterov")), "an optimizer not in the race has its rate disabled"
    assert not slider_disabled(control(area, "slider", "lr Adam"))
    dropdown = control(area, "dropdown", "function")
    from selenium.webdriver.common.by import By

    options = [o.text for o in dropdown.find_elements(By.CSS_SELECTOR, "option")]
    current = dropdown.find_element(By.CSS_SELECTOR, "select").get_attribute("value")
    choose(dropdown, next(o for o in options if o != current))


MOVES = {"02_computational_graphs.ipynb": move_02, "05_activation_functions.ipynb": move_05,
         "06_losses_and_gradient_descent.ipynb": move_06, "09_optimizers.ipynb": move_09}


# --- the tests --------------------------------------------------------------------------------------

def test_every_widget_notebook_has_a_move():
    assert sorted(MOVES) == widget_notebooks(), "a notebook gained or lost a widget: update MOVES"


def test_make_lab_opens_the_learners_edition_at_the_project_root(lab, browser, project, screenshots):
    browser.get(f"{lab}/?token={TOKEN}")
    wait_until(lambda: css(browser, ".jp-NotebookPanel .jp-Cell"), 60, "make lab did not open a notebook")
    assert browser.current_url.split("?")[0].endswith("/lab/tree/student/notebooks/00_welcome.ipynb")
    tabs = [tab.text for tab in css(browser, ".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")]
    assert "00_welcome.ipynb" in tabs
    edition = (project / "student" / "notebooks")
    assert any("raise NotImplementedError" in p.read_text() for p in edition.glob("*.ipynb")), "the exercises are blank"
    with urllib.request.urlopen(f"{lab}/api/contents?token={TOKEN}") as response:
        root = {entry["name"] for entry in json.load(response)["content"]}
    assert {"student", "notebooks", "README.md"} <= root, f"the lab's root is not the project root: {sorted(root)}"
    menus = [item.text.strip() for item in css(browser, ".lm-MenuBar-item")]
    assert "Run" in menus and "Nbgrader" not in menus, f"the menus: {menus}"
    time.sleep(3)  # the news question, when asked, comes a moment after the lab has loaded
    assert "official Jupyter news" not in browser.find_element("tag name", "body").text
    with urllib.request.urlopen(f"{lab}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={TOKEN}") as r:
        notification = json.load(r)
    fetch_news = notification["settings"].get("fetchNews", notification["schema"]["properties"]["fetchNews"]["default"])
    assert fetch_news == "false", "this project's JupyterLab settings (.jupyter/) were not read"
    browser.save_screenshot(str(screenshots / "lab_student_00.png"))


@pytest.mark.parametrize("name", sorted(MOVES))
def test_widget_notebook_runs_and_its_explorer_redraws(lab, browser, screenshots, name):
    open_in_lab(browser, lab, f"student/notebooks/{name}", workspace=name[:2])
    run_all(browser, name)
    assert not error_texts(browser)
    area, image = explorer(browser)
    before = image.screenshot_as_png
    MOVES[name](area)
    wait_until(lambda: image.screenshot_as_png != before, 30, f"{name}: the explorer did not redraw")
    time.sleep(1)  # let a redraw in flight land before the screenshot
    browser.save_screenshot(str(screenshots / f"{name[:2]}_lab.png"))
    area.screenshot(str(screenshots / f"{name[:2]}_explorer.png"))


def test_opening_and_saving_a_notebook_changes_nothing(lab, browser, project):
    name = "03_a_scalar_autograd_engine.ipynb"
    saved = project / "notebooks" / name
    mtime = saved.stat().st_mtime_ns
    open_in_lab(browser, lab, f"notebooks/{name}", workspace="save")
    run_menu_command(browser, "File", "Save Notebook")
    wait_until(lambda: saved.stat().st_mtime_ns != mtime, 30, "JupyterLab did not save the notebook")
    original, after = (ROOT / "notebooks" / name).read_text(), saved.read_text()
    if after != original:
        import difflib

        diff = list(difflib.unified_diff(original.splitlines(), after.splitlines(), "committed", "saved", lineterm=""))
        pytest.fail(f"saving {name} in JupyterLab changed it:\n" + "\n".join(diff[:40]))
