from __future__ import annotations

import os
import socket
import uuid

from pydantic import Field

from omniroute.runtime.settings import ServiceSettings, env


def _default_executor_id() -> str:
    # Unique per process: a restarted executor must not inherit the pending
    # entries of its previous life under the same name (the reclaimer decides).
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class ExecutorSettings(ServiceSettings):
    executor_id: str = Field(
        default_factory=_default_executor_id, validation_alias=env("EXECUTOR_ID")
    )
    host: str = Field("127.0.0.1", validation_alias=env("EXECUTOR_HOST"))
    # /metrics and /healthz; 0 picks a free port (several executors on one host).
    ops_port: int = Field(20134, validation_alias=env("EXECUTOR_OPS_PORT"))
    # Requests one executor works on at once; more wait in the dispatch stream.
    concurrency: int = Field(256, ge=1, validation_alias=env("EXECUTOR_CONCURRENCY"))
    connect_timeout_s: float = Field(
        10.0, gt=0, validation_alias=env("UPSTREAM_CONNECT_TIMEOUT_S")
    )
    # A dispatch held by an executor that died (its Redis connections closed,
    # or its heartbeat expired), idle this long, is taken over by another.
    reclaim_idle_ms: int = Field(1000, ge=100, validation_alias=env("RECLAIM_IDLE_MS"))
    drain_timeout_s: float = Field(30.0, ge=0, validation_alias=env("DRAIN_TIMEOUT_S"))
    # An asynchronous transcription (AssemblyAI) gives up after this: 504.
    transcription_timeout_s: float = Field(
        120.0, gt=0, validation_alias=env("TRANSCRIPTION_TIMEOUT_S")
    )
    # Lifts the outbound policy (``omniroute/outbound_policy.py``): calls to
    # link-local and cloud-metadata addresses are refused unless it is set.
    allow_private_provider_urls: bool = Field(
        False, validation_alias=env("ALLOW_PRIVATE_PROVIDER_URLS")
    )
