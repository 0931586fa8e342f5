"""Edge: the public HTTP endpoint (:20128) every client talks to."""

from __future__ import annotations

import uvicorn

from omniroute.runtime.logs import configure_logging
from omniroute.runtime.telemetry import init_tracing
from services.edge.app import create_server_app
from services.edge.server_protocol import deadline_protocol
from services.edge.settings import EdgeSettings


def main() -> None:
    settings = EdgeSettings()
    configure_logging("edge", settings.log_level, settings.log_format)
    init_tracing("edge")
    config = uvicorn.Config(
        create_server_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        # httptools, with deadlines for a request's headers and body.
        http=deadline_protocol(settings.header_timeout_s, settings.body_timeout_s),
        lifespan="on",
        access_log=False,
        log_config=None,
        server_header=False,
        # X-Forwarded-For is read (from trusted proxies only) by the edge itself.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
