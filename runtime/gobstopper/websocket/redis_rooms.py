"""Rooms shared by every worker process and machine, through Redis pub/sub.

>>> rooms = RedisRoomManager("redis://127.0.0.1:6379/0")
>>> app.on_shutdown(rooms.aclose)

Each process keeps its own members, as :class:`~gobstopper.websocket.RoomManager` does.
:meth:`~RedisRoomManager.broadcast` sends to this process's members at once and publishes
the message on the room's channel; every other process delivers it to its own members.
Every process subscribes to one pattern (``channel_prefix*``), so joining a room costs no
round trip to Redis.

Pub/sub delivers at most once. While Redis is unreachable, a broadcast reaches this
process's members only and a warning is logged. The subscription is re-established with
backoff, and anything published meanwhile is missed. Messages from one process arrive
everywhere in the order they were published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Hashable
from typing import Any

from ..backends.looplocal import LoopLocal
from ..backends.redis import REDIS_ERRORS, redis
from .connection import WebSocket
from .rooms import RoomManager

__all__ = ["RedisRoomManager"]

logger = logging.getLogger("gobstopper.websocket")

_TEXT, _BYTES = b"t", b"b"
_ORIGIN_BYTES = 16


class _Link:
    """One process's connection to Redis in one event loop: the client, the listener
    task, and this process's origin id (so it skips its own publications)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.origin = os.urandom(_ORIGIN_BYTES)
        self.subscribed = asyncio.Event()
        self.listener: asyncio.Task[None] | None = None


class RedisRoomManager(RoomManager):
    """Rooms whose broadcasts reach members in every process subscribed to the same Redis.

    :param url: the Redis URL (``redis://``, ``rediss://`` or ``unix://``).
    :param channel_prefix: prefix of the rooms' channel names; processes sharing a prefix
        share rooms.
    :param send_timeout: seconds a member may take to accept one message.
    :param subscribe_timeout: seconds :meth:`join` waits for the subscription before
        going on with local delivery only (Redis unreachable).
    :param reconnect_delay: first delay before resubscribing after Redis went away;
        doubled on each failure up to 10 seconds.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        channel_prefix: str = "gobstopper:rooms:",
        send_timeout: float = 5.0,
        subscribe_timeout: float = 5.0,
        reconnect_delay: float = 0.2,
    ) -> None:
        super().__init__(send_timeout=send_timeout)
        self.url = url
        self.channel_prefix = channel_prefix
        self.subscribe_timeout = subscribe_timeout
        self.reconnect_delay = reconnect_delay
        self._prefix = channel_prefix.encode()
        self._pattern = re.sub(rb"([*?\[\]\\])", rb"\\\1", self._prefix) + b"*"
        # Made per process and loop: a link inherited through fork must not be shared.
        self._links: LoopLocal[_Link] = LoopLocal(self._new_link)

    @property
    def subscribed(self) -> bool:
        """Whether this process currently receives other processes' broadcasts (for a
        readiness check)."""
        link = self._links.current()
        return link is not None and link.subscribed.is_set()

    async def join(self, room: Hashable, websocket: WebSocket) -> None:
        """Add ``websocket`` to ``room`` (a string). Once this returns, broadcasts from
        every process reach it — unless Redis is unreachable, which is logged."""
        if not isinstance(room, str):
            raise TypeError(f"Redis rooms are named by strings, not {type(room).__name__}")
        link = self._connect()
        if not link.subscribed.is_set():
            try:
                await asyncio.wait_for(link.subscribed.wait(), self.subscribe_timeout)
            except asyncio.TimeoutError:
                logger.warning(
                    "room %r: not subscribed to Redis at %s; only this process's "
                    "broadcasts reach it until the subscription is back",
                    room,
                    self.url,
                )
        await super().join(room, websocket)

    async def broadcast(
        self, room: Hashable, message: str | bytes, *, exclude: WebSocket | None = None
    ) -> int:
        """Send ``message`` to every member of ``room`` in every process, but ``exclude``.

        Returns how many of this process's members got it (other processes deliver on
        their own).
        """
        if not isinstance(room, str):
            raise TypeError(f"Redis rooms are named by strings, not {type(room).__name__}")
        link = self._connect()
        kind = _TEXT if isinstance(message, str) else _BYTES
        payload = message.encode() if isinstance(message, str) else bytes(message)
        envelope = link.origin + kind + payload
        delivered, _ = await asyncio.gather(
            self._deliver_to_members(room, message, exclude),
            self._publish(link, self._prefix + room.encode(), envelope),
        )
        return delivered

    async def _publish(self, link: _Link, channel: bytes, envelope: bytes) -> None:
        try:
            await asyncio.wait_for(link.client.publish(channel, envelope), self.send_timeout)
        except REDIS_ERRORS as error:
            logger.warning(
                "broadcast on %r reached this process only: Redis at %s: %s",
                channel.decode(errors="replace"),
                self.url,
                error or type(error).__name__,
            )

    def _connect(self) -> _Link:
        """This process's link to Redis, made (and its listener started) on first use."""
        return self._links.get()

    def _new_link(self) -> _Link:
        link = _Link(redis.Redis.from_url(self.url, socket_connect_timeout=2))
        link.listener = asyncio.ensure_future(self._listen(link))
        return link

    async def _listen(self, link: _Link) -> None:
        """Receive other processes' broadcasts until closed; resubscribe after failures."""
        delay = self.reconnect_delay
        while True:
            pubsub = link.client.pubsub()
            try:
                await pubsub.psubscribe(self._pattern)
                async for item in pubsub.listen():
                    if item["type"] == "pmessage":
                        await self._receive(link, item["channel"], item["data"])
                    elif item["type"] == "psubscribe":
                        if delay > self.reconnect_delay:
                            logger.info("subscribed to Redis at %s again", self.url)
                        link.subscribed.set()
                        delay = self.reconnect_delay
            except REDIS_ERRORS as error:
                link.subscribed.clear()
                logger.warning(
                    "lost the room subscription on Redis at %s (%s); retrying in %.1fs",
                    self.url,
                    error,
                    delay,
                )
            finally:
                await asyncio.shield(pubsub.aclose())
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _receive(self, link: _Link, channel: bytes, envelope: bytes) -> None:
        if envelope[:_ORIGIN_BYTES] == link.origin:
            return
        room = channel[len(self._prefix) :].decode(errors="replace")
        if room not in self._rooms:
            return
        kind, payload = envelope[_ORIGIN_BYTES : _ORIGIN_BYTES + 1], envelope[_ORIGIN_BYTES + 1 :]
        message: str | bytes = payload.decode(errors="replace") if kind == _TEXT else payload
        await self._deliver_to_members(room, message, None)

    async def aclose(self) -> None:
        """Stop listening and close the connection to Redis (register it as a shutdown
        hook: ``app.on_shutdown(rooms.aclose)``)."""
        link = self._links.take()
        if link is None:
            return
        if link.listener is not None:
            link.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await link.listener
        await link.client.aclose()
