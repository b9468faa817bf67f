"""Run every service together: ``python -m services`` (Ctrl-C stops them all).

Each service gets ``APP_PUBLIC_URL`` (its own address) and ``APP_PEERS`` (everyone's
address, for static discovery). When one service exits, the others are stopped and its
exit status is returned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from services import SERVICES


def _launch(name: str, port: int, host: str, peers: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "APP_PUBLIC_URL": f"http://{host}:{port}", "APP_PEERS": peers}
    command = [sys.executable, "-m", "gobstopper", "run", f"services.{name}.app:app"]
    command += ["--host", host, "--port", str(port), *sys.argv[1:]]
    return subprocess.Popen(command, env=environment)


def main() -> int:
    """Start every service, wait until one stops or a signal arrives, stop the rest."""
    host = os.environ.get("APP_HOST", "127.0.0.1")
    peers = os.environ.get("APP_PEERS") or ",".join(
        f"{name}=http://{host}:{port}" for name, port in SERVICES.items()
    )
    processes = {name: _launch(name, port, host, peers) for name, port in SERVICES.items()}
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, frame: stopping.append(number))
    status = 0
    try:
        while not stopping:
            ended = [(n, p.returncode) for n, p in processes.items() if p.poll() is not None]
            if ended:
                name, status = ended[0]
                print(f"services: {name} exited with status {status}", file=sys.stderr)
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        status = 0
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return status


if __name__ == "__main__":
    sys.exit(main())
