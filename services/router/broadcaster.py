"""Holds the current routing table and wakes every watcher when it changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from omniroute.common.v1 import config_pb2
from omniroute.router.v1 import router_pb2
from omniroute.routing.table import build_table


class TableBroadcaster:
    def __init__(self) -> None:
        self.table: router_pb2.RoutingTable | None = None
        self._changed = asyncio.Condition()
        self._version = 0

    async def rebuild(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        """Builds a new table from ``snapshot`` and publishes it."""
        self._version += 1
        table = build_table(snapshot, version=self._version)
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
