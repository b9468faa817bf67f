"""The Redis task broker going away: enqueueing answers 503, workers keep running and
pick up work again once Redis is back."""

from __future__ import annotations

import asyncio

from gobstopper import Gobstopper
from gobstopper.tasks import TaskStatus
from gobstopper.tasks.redis_store import RedisTaskStore
from gobstopper.testing import AsyncTestClient

from ..backends import RedisServer


async def test_enqueue_is_refused_while_redis_is_down_and_workers_resume(
    own_redis: RedisServer,
) -> None:
    app = Gobstopper(__name__, static_folder=None)
    app.use_task_store(RedisTaskStore(own_redis.url, prefix="outage", timeout=0.5))
    app.tasks.poll_interval = 0.1

    @app.task("echo", category="data")
    async def echo(text: str) -> str:
        return text

    @app.post("/echo/<text>")
    async def enqueue(text: str):
        return {"task": await app.add_background_task("echo", text=text)}, 202

    async def succeeds(task_id: str) -> object:
        for _ in range(200):
            info = await app.get_task(task_id)
            if info is not None and info.status is TaskStatus.SUCCESS:
                return info.result
            await asyncio.sleep(0.05)
        raise AssertionError(info)

    async with AsyncTestClient(app) as client:
        await app.start_task_workers("data", worker_count=2)
        before = await client.post("/echo/before")
        assert await succeeds(before.json()["task"]) == "before"

        own_redis.stop()  # a Redis without persistence: it comes back empty
        refused = await client.post("/echo/lost")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        await asyncio.sleep(0.5)  # the workers fail to reach Redis meanwhile

        own_redis.start()
        accepted = await client.post("/echo/back")
        assert accepted.status_code == 202
        assert await succeeds(accepted.json()["task"]) == "back"
