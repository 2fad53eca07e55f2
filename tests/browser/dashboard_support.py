"""What the browser tests share besides fixtures: the node handle, sign-in, and screenshots for people to look at."""

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

PASSWORD = "dashboard pass 2026"
SCREENS = Path(os.environ.get("FABNET_SCREENS_DIR", "/tmp/fab/screens"))


@dataclass(frozen=True)
class DashboardNode:
    url: str
    hub_url: str
    admin_token: str
    planner: str = "plan"
    password: str = PASSWORD

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=120.0, **kwargs)


def sign_in(page: object, node: DashboardNode, username: str | None = None, password: str | None = None) -> None:
    page.goto(node.url + "/")
    page.fill("#username", username or node.planner)
    page.fill("#password", password or node.password)
    page.click("form.login button[type=submit]")


def screenshot(page: object, name: str) -> None:
    """Keep a picture of the page for people to look at (not compared: pixels differ between machines)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
