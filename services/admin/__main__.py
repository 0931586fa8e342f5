"""Admin: management API, database, usage consumer, config publisher (:20129)."""

from __future__ import annotations

import uvicorn

from omniroute.runtime.logs import configure_logging
from omniroute.runtime.telemetry import init_tracing
from services.admin.app import create_app
from services.admin.settings import AdminSettings


def main() -> None:
    settings = AdminSettings()
    configure_logging("admin", settings.log_level, settings.log_format)
    init_tracing("admin")
    server: uvicorn.Server | None = None

    def request_shutdown() -> None:
        # The same graceful path as SIGTERM: drain, then lifespan shutdown.
        if server is not None:
            server.should_exit = True

    config = uvicorn.Config(
        create_app(settings, request_shutdown),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    server.run()


if __name__ == "__main__":
    main()
