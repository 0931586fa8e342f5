from __future__ import annotations

from pydantic import Field

from omniroute.runtime.settings import ServiceSettings, env


class RouterSettings(ServiceSettings):
    host: str = Field("127.0.0.1", validation_alias=env("ROUTER_HOST"))
    port: int = Field(20130, validation_alias=env("ROUTER_PORT"))
    ops_port: int = Field(20131, validation_alias=env("ROUTER_OPS_PORT"))
