"""Starlette's side of ``run.py``: the anchor endpoints, written as a Starlette user would.

Runs in the same throwaway virtual environment as Emmett (``run.py`` makes it), served by
Granian's ASGI interface. The fortunes render through Starlette's ``Jinja2Templates``.
"""

from __future__ import annotations

from pathlib import Path

from echo_item import decode_item, encode
from fortunes import FORTUNES
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


async def plaintext(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


async def json(request: Request) -> Response:
    return JSONResponse({"message": "Hello, World!"})


async def user(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["user_id"]})


async def create_item(request: Request) -> Response:
    item = decode_item(await request.body())
    return Response(encode(item), 201, media_type="application/json")


async def fortunes(request: Request) -> Response:
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": FORTUNES})


app = Starlette(
    routes=[
        Route("/plaintext", plaintext),
        Route("/json", json),
        Route("/users/{user_id:int}", user),
        Route("/items", create_item, methods=["POST"]),
        Route("/fortunes", fortunes),
    ]
)
