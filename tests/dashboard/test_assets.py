"""How admin serves the dashboard's files: types, caching, and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.admin.app import create_app
from services.admin.dashboard.routes import STATIC_DIR, build_router
from services.admin.settings import AdminSettings


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(build_router())
    with TestClient(app) as http:
        yield http


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/dashboard", "text/html; charset=utf-8"),
        ("/dashboard/", "text/html; charset=utf-8"),
        ("/dashboard/js/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/css/dashboard.css", "text/css; charset=utf-8"),
        ("/dashboard/favicon.svg", "image/svg+xml"),
    ],
)
def test_files_have_their_type_and_must_be_revalidated(
    client: TestClient, path: str, content_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    # Unhashed file names: the browser revalidates every time (cheap 304s).
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in response.headers["content-security-policy"]

    etag = response.headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/nope.js",
        "/dashboard/../routes.py",
        "/dashboard/%2e%2e/routes.py",
        "/dashboard/..%2Froutes.py",
        "/dashboard/js/",
        "/dashboard/.hidden.js",
        "/dashboard/index.py",
    ],
)
def test_nothing_outside_the_static_files_is_served(
    client: TestClient, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_every_module_the_pages_import_exists() -> None:
    """A typo in an import path would only show as a blank page in a browser."""
    imports = re.compile(r"""^import .* from '(\.{1,2}/[^']+)';$""", re.MULTILINE)
    scripts = sorted((STATIC_DIR / "js").rglob("*.js"))
    assert scripts
    for script in scripts:
        for target in imports.findall(script.read_text()):
            resolved = (script.parent / target).resolve()
            assert resolved.is_file(), f"{script.name} imports missing {target}"


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text()
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
            assert "@import url(" not in text, path


def test_a_changed_file_is_served_at_once(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>one</p>")
    app = FastAPI()
    app.include_router(build_router(tmp_path))
    with TestClient(app) as http:
        etag = http.get("/dashboard").headers["etag"]
        (tmp_path / "index.html").write_text("<p>two, longer</p>")
        second = http.get("/dashboard", headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert second.text == "<p>two, longer</p>"


async def test_admin_serves_the_dashboard() -> None:
    """Admin's own app serves the dashboard (no lifespan needed for it)."""
    import httpx

    app = create_app(AdminSettings(environment="test"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://admin") as http:
        page = await http.get("/dashboard")
        script = await http.get("/dashboard/js/app.js")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert script.headers["content-type"].startswith("text/javascript")
