"""Holds the current routing table and wakes every watcher when it changes.

A new table is built on every configuration snapshot and on every change of
a provider's breaker (open providers move to the end of every plan).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from omniroute.common.v1 import config_pb2
from omniroute.resilience.mirror import HealthMirror
from omniroute.router.v1 import router_pb2
from omniroute.routing.table import build_table


class TableBroadcaster:
    def __init__(self, mirror: HealthMirror) -> None:
        self._mirror = mirror
        self.table: router_pb2.RoutingTable | None = None
        self._snapshot: config_pb2.ConfigSnapshot | None = None
        self._changed = asyncio.Condition()
        self._version = 0
        self._open: dict[str, int] = {}

    async def rebuild(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        """Builds a new table from ``snapshot`` and publishes it."""
        self._snapshot = snapshot
        await self._publish()

    def health_changed(self) -> None:
        """Called by the mirror; rebuilds only when the open set moved."""
        if self._snapshot is not None and self._mirror.open_providers() != self._open:
            asyncio.get_running_loop().create_task(self._publish())

    async def _publish(self) -> None:
        assert self._snapshot is not None
        self._open = self._mirror.open_providers()
        self._version += 1
        table = build_table(
            self._snapshot, version=self._version, open_providers=self._open
        )
        async with self._changed:
            self.table = table
            self._changed.notify_all()

    async def watch(self) -> AsyncIterator[router_pb2.RoutingTable]:
        """The current table at once (when there is one), then every new one."""
        sent = 0

        def changed() -> bool:
            return self.table is not None and self.table.version != sent

        while True:
            async with self._changed:
                await self._changed.wait_for(changed)
                table = self.table
            assert table is not None
            sent = table.version
            yield table
