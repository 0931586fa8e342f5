from pathlib import Path

import pytest
import redis

from omniroute import stack
from omniroute.stack import RedisServer


def test_without_redis_server_on_the_path_the_bundled_one_runs_over_tcp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack.shutil, "which", lambda name: None)
    server = RedisServer(tmp_path / "redis")
    url = server.start()
    try:
        assert url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(url)
        client.set("kept", "yes")
        client.close()
        port = server.port
        server.stop()  # graceful: the append-only file has the write
        server.start(port=port)
        client = redis.Redis.from_url(url)
        assert client.get("kept") == b"yes"
        client.close()
    finally:
        server.stop()
