"""Run a browser scenario in a thread of its own (still used by tests/campaigns/test_browser.py;
tests/dual_notification uses the shared ``browser`` fixture of tests/browser/conftest.py like
every other app). Delete this module once the campaigns test has moved to that fixture too.

The original reason, since solved by ``_shared`` in tests/browser/conftest.py:

Playwright's sync API cannot start while another sync Playwright runs in the same thread, and
``tests/browser/conftest.py``'s session-scoped ``browser`` fixture stays open for the whole
session once a test under tests/browser used it; importing that fixture into another module
makes a second session instance, which then fails ("Sync API inside the asyncio loop").
A thread has no running loop, so the scenario gets its own Playwright there. The page objects
never leave that thread; assertions on the database happen in the test afterwards.
"""

from __future__ import annotations

import os
import shutil
import threading

from tests.browser.conftest import CHROMIUM_FLAGS


def run_in_browser(scenario) -> None:
    """Call ``scenario(desktop_page, phone_page)`` in a new thread; re-raise its failure."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise AssertionError("chromium is not installed (./run test installs it)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    failure: list[BaseException] = []

    def work():
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
                desktop = browser.new_context(
                    viewport={"width": 1366, "height": 860}, locale="zh-CN"
                )
                phone = browser.new_context(
                    viewport={"width": 390, "height": 844}, device_scale_factor=2,
                    is_mobile=True, has_touch=True, locale="zh-CN",
                )  # fmt: skip
                try:
                    scenario(desktop.new_page(), phone.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="browser-scenario")
    thread.start()
    thread.join(timeout=300)
    if thread.is_alive():
        raise AssertionError("the browser scenario did not finish within 300 s")
    if failure:
        raise failure[0]
