"""The baseline: a bare RSGI callable doing the same work as ``gobstopper_app`` by hand."""

import msgspec


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


_decode_item = msgspec.json.Decoder(Item).decode
_encode = msgspec.json.Encoder().encode
_TEXT = [("content-type", "text/plain; charset=utf-8")]
_JSON = [("content-type", "application/json")]


async def app(scope, protocol):
    path = scope.path
    if path == "/plaintext":
        protocol.response_str(200, _TEXT, "Hello, World!")
    elif path == "/json":
        protocol.response_bytes(200, _JSON, _encode({"message": "Hello, World!"}))
    elif path.startswith("/users/"):
        protocol.response_bytes(200, _JSON, _encode({"id": int(path[7:])}))
    elif path == "/items" and scope.method == "POST":
        item = _decode_item(await protocol())
        protocol.response_bytes(201, _JSON, _encode(item))
    else:
        protocol.response_empty(404, [])
