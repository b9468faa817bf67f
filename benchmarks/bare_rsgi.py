"""The baseline: a bare RSGI callable doing the same work as ``gobstopper_app`` by hand.

The fortunes render the way someone writing against Jinja2 directly would: the template
loaded once, rendered with the synchronous ``render()``.
"""

from pathlib import Path
from urllib.parse import parse_qs

import jinja2
from echo_item import decode_item, encode
from fortunes import FORTUNES

HERE = Path(__file__).parent


_TEXT = [("content-type", "text/plain; charset=utf-8")]
_JSON = [("content-type", "application/json")]
_HTML = [("content-type", "text/html; charset=utf-8")]
_STATIC = str(HERE / "static" / "hello.txt")
_STATIC_HEADERS = [("content-type", "text/plain; charset=utf-8")]
_fortunes = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True
).get_template("fortunes.html")


async def app(scope, protocol):
    path = scope.path
    if path == "/plaintext":
        protocol.response_str(200, _TEXT, "Hello, World!")
    elif path == "/json":
        protocol.response_bytes(200, _JSON, encode({"message": "Hello, World!"}))
    elif path.startswith("/users/"):
        protocol.response_bytes(200, _JSON, encode({"id": int(path[7:])}))
    elif path.startswith("/api/v1/orgs/"):
        _, _, _, _, org, _, repo, _, number = path.split("/")
        body = {"org": int(org), "repo": repo, "number": int(number)}
        protocol.response_bytes(200, _JSON, encode(body))
    elif path == "/search":
        query = parse_qs(scope.query_string)
        body = {"page": query.get("page", ["1"])[0], "agent": scope.headers.get("user-agent")}
        protocol.response_bytes(200, _JSON, encode(body))
    elif path == "/items" and scope.method == "POST":
        item = decode_item(await protocol())
        protocol.response_bytes(201, _JSON, encode(item))
    elif path == "/static/hello.txt":
        protocol.response_file(200, _STATIC_HEADERS, _STATIC)
    elif path == "/fortunes":
        protocol.response_str(200, _HTML, _fortunes.render(fortunes=FORTUNES))
    else:
        protocol.response_empty(404, [])
