"""The body of the POST echo scenario, shared by the bare app and the anchors: one
msgspec Struct with its decoder, and the JSON encoder every bare-handed app uses."""

import msgspec

__all__ = ["Item", "decode_item", "encode"]


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


decode_item = msgspec.json.Decoder(Item).decode
encode = msgspec.json.Encoder().encode
