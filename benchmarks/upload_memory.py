"""Upload a large file through a real Granian server and report the worker's peak RSS
growth and the throughput: streaming multipart parsing should keep memory flat.

    python benchmarks/upload_memory.py --mib 1024
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import start_server

APP = """
import resource
from pathlib import Path

from gobstopper import Gobstopper, Request

app = Gobstopper(__name__, max_upload_bytes=8 * 1024**3)
TARGET = Path(__file__).parent / "stored.bin"


@app.get("/peak-rss")
async def peak_rss():
    return {"kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


@app.post("/upload")
async def upload(request: Request):
    upload = (await request.get_files())["blob"]
    await upload.save(TARGET)
    return {"size": upload.size}
"""

BOUNDARY = "gobstopper-benchmark-boundary"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024, help="upload size in MiB")
    args = parser.parse_args()
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="blob"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    block = bytes(range(256)) * 4096

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(args.mib):
            yield block
        yield tail

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "app.py").write_text(APP)
        server = start_server(project)
        try:
            before = httpx.get(f"{server.url}/peak-rss").json()["kib"]
            started = time.perf_counter()
            response = httpx.post(
                f"{server.url}/upload",
                content=body(),
                headers={
                    "content-type": f"multipart/form-data; boundary={BOUNDARY}",
                    "content-length": str(len(head) + args.mib * len(block) + len(tail)),
                },
                timeout=600,
            )
            elapsed = time.perf_counter() - started
            after = httpx.get(f"{server.url}/peak-rss").json()["kib"]
        finally:
            server.stop()
    if response.json() != {"size": args.mib * len(block)}:
        print(f"upload failed: {response.status_code} {response.text}", file=sys.stderr)
        return 1
    result = {
        "upload_mib": args.mib,
        "seconds": round(elapsed, 2),
        "mib_per_second": round(args.mib / elapsed, 1),
        "peak_rss_before_mib": round(before / 1024, 1),
        "peak_rss_growth_mib": round((after - before) / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
