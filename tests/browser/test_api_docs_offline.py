"""/docs and /redoc on a host without internet: headless Chromium whose every name but 127.0.0.1 resolves
to nothing, logging each request it makes, so a page that needs a CDN shows blank and the log tells.

Needs Debian's `chromium` and `chromium-driver`, as the console's browser tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.servers import running_service
from tests.support.service import service_settings
from xentral_sandbox.testing import SandboxHandle

from .test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, SCREENSHOTS, wait_for

pytestmark = pytest.mark.slow

# Every host name resolves to nothing, except the service's own address.
NO_INTERNET = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-error"}


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, NO_INTERNET]:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-offline')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def docs_url(sandbox_session: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_service(service_settings(sandbox_session, tmp_path_factory.mktemp("docs"))) as url:
        yield url


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser sent a request to since the last call (Chrome's performance log), less
    those it refused to send itself (a Content-Security-Policy blocked them: they never left)."""
    sent: dict[str, str] = {}
    blocked: set[str] = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason") == "csp":
            blocked.add(params["requestId"])
    return [url for request_id, url in sent.items() if request_id not in blocked]


def assert_stayed_on_the_host(urls: list[str]) -> None:
    assert urls, "the browser logged no request at all"
    left = [url for url in urls if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert left == [], f"requests that left the host: {left}"


def test_the_blocking_holds(offline_browser: Any) -> None:
    """Without this, a page that loads from a CDN would pass: an outside name must not load."""
    from selenium.common.exceptions import WebDriverException

    with pytest.raises(WebDriverException, match="ERR_NAME_NOT_RESOLVED"):
        offline_browser.get("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js")
    requested_urls(offline_browser)  # forget the probe


def test_swagger_ui_renders_every_operation_offline(offline_browser: Any, docs_url: str) -> None:
    from selenium.webdriver.common.by import By

    offline_browser.get(f"{docs_url}/docs")
    wait_for(lambda: offline_browser.find_elements(By.CSS_SELECTOR, ".opblock"), "Swagger UI's operations")
    page = offline_browser.find_element(By.ID, "swagger-ui").text
    assert "Unified Order API" in page
    assert "/api/orders" in page
    offline_browser.save_screenshot(str(Path(SCREENSHOTS, "api-docs-swagger-offline.png")))
    assert_stayed_on_the_host(requested_urls(offline_browser))


def test_redoc_renders_offline(offline_browser: Any, docs_url: str) -> None:
    from selenium.webdriver.common.by import By

    offline_browser.get(f"{docs_url}/redoc")
    summary = "Create a released Xentral sales order from one request"
    wait_for(lambda: summary in offline_browser.find_element(By.TAG_NAME, "body").text, "ReDoc's operations")
    offline_browser.save_screenshot(str(Path(SCREENSHOTS, "api-docs-redoc-offline.png")))
    assert_stayed_on_the_host(requested_urls(offline_browser))
