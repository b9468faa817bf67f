"""Instructions per request of the whole server: a real Granian worker, its Rust HTTP
stack and event loop included, serving the bare RSGI app and Gobstopper, under callgrind.

``instructions.py`` counts the application alone, driven in-process; this counts what a
deployed server executes for each request, which is what its throughput follows. Granian
runs as ``run.py`` runs it (one worker, single-threaded runtime, rloop when installed),
under ``valgrind --tool=callgrind --trace-children=yes`` with instrumentation off. After a
warm-up, ``CONNECTIONS`` keep-alive connections each send a request and read its answer,
in lockstep, so the worker handles a batch per wake-up as under wrk. Instrumentation is
on for the measured requests only, and their counts are dumped before the server is
killed. Every server is measured with N and with 2N requests and the difference is
divided by N, which cancels what the server does per measurement rather than per request
(its idle ticks, switching instrumentation on, the dump).

    python benchmarks/server_instructions.py --requests 1024
    python benchmarks/server_instructions.py plaintext "template (fortunes)"
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cpu_time import process_tree
from instructions import CASES, ITEM, counting_arguments

HERE = Path(__file__).resolve().parent
#: Connections sending in lockstep: Granian reads a batch of requests per wake-up.
CONNECTIONS = 16
#: Requests each server answers before instrumentation is switched on.
WARMUP = 256
#: (label, app, environment) of the servers compared; ratios are to the first.
SERVERS = [
    ("bare", "bare_rsgi:app", {}),
    ("rust", "gobstopper_app:app", {}),
    ("python", "gobstopper_app:app", {"GOBSTOPPER_NO_RUST": "1"}),
]
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)


def request_bytes(method: str, path: str, accept: str | None) -> bytes:
    """One scenario's request as it goes on the wire (a POST carries ``ITEM``)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: bench"]
    body = ITEM if method == "POST" else b""
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if accept:
        lines.append(f"Accept-Encoding: {accept}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _read_response(connection: socket.socket) -> None:
    """Read one response whole (sized or chunked); fail on any status but 2xx."""
    received = b""
    while True:
        head, separator, rest = received.partition(b"\r\n\r\n")
        if separator:
            if not head.startswith(b"HTTP/1.1 2"):
                raise RuntimeError(f"the server answered {head.splitlines()[0]!r}")
            length = _CONTENT_LENGTH.search(head)
            if length is None and rest.endswith(b"\r\n0\r\n\r\n"):
                return
            if length is not None and len(rest) >= int(length.group(1)):
                return
        chunk = connection.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        received += chunk


def _exchange(connections: list[socket.socket], request: bytes, count: int) -> None:
    """``count`` requests, spread over ``connections`` sending in lockstep."""
    for _ in range(count // len(connections)):
        for connection in connections:
            connection.sendall(request)
        for connection in connections:
            _read_response(connection)


def _callgrind(server: subprocess.Popen[bytes], *options: str) -> None:
    """Send ``callgrind_control`` options to the server's processes (its worker too)."""
    pids = [str(pid) for pid in process_tree(server.pid)]
    subprocess.run(["callgrind_control", *options, *pids], capture_output=True, check=True)


def _connect(port: int, process: subprocess.Popen[bytes]) -> list[socket.socket]:
    deadline = time.monotonic() + 120  # valgrind starts Python slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            return [
                socket.create_connection(("127.0.0.1", port), timeout=120)
                for _ in range(CONNECTIONS)
            ]
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def _dumped(folder: Path) -> int:
    """The instructions in the dumps of ``folder`` (``callgrind.<pid>.<n>``), as opposed
    to the files written at exit."""
    total = 0
    for output in folder.glob("callgrind.*.*"):
        totals = re.search(r"^totals: (\d+)", output.read_text(), re.MULTILINE)
        total += int(totals.group(1)) if totals else 0
    return total


def instructions(target: str, env: dict[str, str], request: bytes, count: int) -> int:
    """Instructions the server executed for ``count`` requests of ``request``."""
    from run import event_loop, free_port

    loop = event_loop()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = ["valgrind", "--tool=callgrind", "--trace-children=yes"]
        command += ["--instr-atstart=no", f"--callgrind-out-file={folder}/callgrind.%p"]
        command += [sys.executable, "-m", "granian", "--interface", "rsgi", "--workers", "1"]
        command += ["--runtime-mode", "st", "--loop", loop, "--log-level", "error"]
        command += ["--host", "127.0.0.1", "--port", str(port), target]
        environment = {k: v for k, v in os.environ.items() if k != "GOBSTOPPER_NO_RUST"}
        environment.update(PYTHONPATH=str(HERE), PYTHONHASHSEED="0", **env)
        process = subprocess.Popen(
            command,
            cwd=HERE,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            connections = _connect(port, process)
            _exchange(connections, request, WARMUP)
            _callgrind(process, "--instr=on")
            _exchange(connections, request, count)
            _callgrind(process, "--dump")
        finally:
            # Killed, not stopped: the counts are in the dump, and a worker under
            # valgrind can take minutes to shut down after serving files.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return _dumped(Path(folder))


def main() -> int:
    from run import write_results

    args = counting_arguments(__doc__ or "", 1024, f"N, a multiple of {CONNECTIONS}")
    if args.requests % CONNECTIONS:
        print(f"--requests must be a multiple of {CONNECTIONS}", file=sys.stderr)
        return 2
    selected = [case for case in CASES if not args.only or case[0] in args.only]
    if not selected:
        print(f"no scenario is named {args.only}", file=sys.stderr)
        return 2
    labels = [label for label, _, _ in SERVERS]
    print("instructions per request of the whole Granian worker; x: ratio to bare")
    print(f"{'scenario':<24}" + "".join(f"{label:>10}{'x':>7}" for label in labels))
    rows = []
    for name, method, path, accept in selected:
        request = request_bytes(method, path, accept)
        counts = {}
        for label, target, env in SERVERS:
            once = instructions(target, env, request, args.requests)
            twice = instructions(target, env, request, 2 * args.requests)
            counts[label] = (twice - once) / args.requests
        bare = counts["bare"]
        rows.append({"scenario": name, **counts})
        cells = "".join(f"{counts[label]:>10,.0f}{counts[label] / bare:>6.2f}x" for label in labels)
        print(f"{name:<24}{cells}", flush=True)
    report = {"requests": args.requests, "connections": CONNECTIONS, "rows": rows}
    write_results(HERE / "results" / "server_instructions.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
