"""`GET /docs` (Swagger UI) and `GET /redoc`: the API's reference pages, from files of this server only.

FastAPI's own pages load their scripts from a CDN and start Swagger UI with an inline script; these take the
same Swagger UI and ReDoc files from the `fastapi-offline` package (pinned in pyproject.toml), served under
/docs/assets, and start Swagger UI from web/static/docs.js, so a policy without inline or foreign script holds.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment

from api.headers import policy

ASSETS = "/docs/assets"


def redoc_policy(host: str | None) -> str:
    """Scripts stay this server's files only; ReDoc writes its styles into <style> elements from script and
    runs its search in a worker made from a blob: address of its own (Swagger UI needs nothing more than the
    pages' policy)."""
    return policy(host, style_src="'self' 'unsafe-inline'", worker_src="'self' blob:")


def install(app: FastAPI) -> None:
    """Serve the pages and their files; create the app with `docs_url=None, redoc_url=None`."""
    assets = Path(str(files("fastapi_offline") / "static"))
    app.mount(ASSETS, StaticFiles(directory=assets), name="docs-assets")

    def page(request: Request, template: str, headers: dict[str, str] | None = None) -> HTMLResponse:
        env: Environment = request.app.state.templates
        root = request.scope.get("root_path", "")
        html = env.get_template(template).render(
            title=app.title, assets=f"{root}{ASSETS}", openapi_url=f"{root}{app.openapi_url}"
        )
        return HTMLResponse(html, headers=headers)

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        return page(request, "docs_swagger.html")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return page(request, "docs_redoc.html", {"Content-Security-Policy": redoc_policy(request.headers.get("host"))})
