"""The dashboards work offline: no asset names another host, the browser fetches nothing from one, and the
assets are served from the package with the right types (and nothing outside the web folder)."""

import re
from urllib.parse import urlsplit

import httpx

from browser.dashboard_support import DashboardNode, sign_in
from fabnet.service.web_routes import WEB_DIR

URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)<>]*""")
# the SVG namespace is a name, not an address: browsers never fetch it
NOT_FETCHED = {"http://www.w3.org/2000/svg"}


def test_no_asset_names_another_host() -> None:
    assets = [p for p in WEB_DIR.rglob("*") if p.is_file()]
    assert {p.suffix for p in assets} >= {".html", ".js", ".css"}
    found = {str(p.relative_to(WEB_DIR)): sorted(set(URL.findall(p.read_text(encoding="utf-8"))) - NOT_FETCHED)
             for p in assets}
    assert {name: urls for name, urls in found.items() if urls} == {}


def test_the_pages_are_served_from_the_package(node: DashboardNode, hub: str) -> None:
    for base, page in ((node.url, "node"), (hub, "hub")):
        index = httpx.get(f"{base}/", timeout=30)
        assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
        assert f"/web/{page}/app.js" in index.text
        assert "default-src 'self'" in index.headers["content-security-policy"]
        script = httpx.get(f"{base}/web/{page}/app.js", timeout=30)
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert script.headers["cache-control"] == "no-cache"
        assert httpx.get(f"{base}/web/common/base.css", timeout=30).headers["content-type"].startswith("text/css")
        # the static mount serves the web folder only, never the Python package around it
        for escape in ("/web/../web_routes.py", "/web/%2e%2e/web_routes.py", "/web/..%2fnode_app.py"):
            assert httpx.get(f"{base}{escape}", timeout=30).status_code == 404


def test_the_browser_fetches_nothing_from_another_host(page: object, node: DashboardNode, hub: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    for section in ("Orders", "Gantt", "Quality", "Parts", "Contracts", "Invoices"):
        page.click(f"#nav >> text={section}")
        page.locator("main h1").wait_for()
        page.wait_for_load_state("networkidle")
    page.goto(hub + "/")
    page.locator("#network-map svg").wait_for()
    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(url).hostname for url in requested if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}
    assert any(url.endswith("/api/v1/schedule") for url in requested)
