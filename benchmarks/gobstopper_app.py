"""The Gobstopper side of the benchmark: the same endpoints as ``bare_rsgi``."""

import msgspec
from fortunes import FORTUNES

from gobstopper import Gobstopper, PlainTextResponse

app = Gobstopper(__name__)  # serves ./static at /static


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


@app.get("/plaintext")
async def plaintext():
    return PlainTextResponse("Hello, World!")


@app.get("/json")
async def json():
    return {"message": "Hello, World!"}


@app.get("/users/<int:user_id>")
async def user(user_id: int):
    return {"id": user_id}


@app.get("/api/v1/orgs/<int:org>/repos/<repo>/issues/<int:number>")
async def issue(org: int, repo: str, number: int):
    return {"org": org, "repo": repo, "number": number}


@app.get("/search")
async def search(request):
    # The README's style: the request unannotated, its query and headers read.
    return {"page": request.args.get("page", "1"), "agent": request.headers.get("user-agent")}


@app.post("/items")
async def create_item(item: Item):
    return item, 201


@app.get("/fortunes")
async def fortunes():
    return await app.render_template("fortunes.html", fortunes=FORTUNES)
