"""What the deployment files are checked against, derived from the code.

The settings classes are the one place the services read their environment,
so the variable names, ports and defaults the deployment files must agree
with are read from them (never copied into the tests). Adding a setting or a
metric to the code therefore makes these tests ask for its documentation.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

from omniroute.runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
K8S_DIR = ROOT / "deploy" / "k8s"
METRICS_DOC = ROOT / "docs" / "metrics.md"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "omniroute.json"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
COLLECTOR_CONFIG = ROOT / "deploy" / "otel" / "collector.yaml"
GRAFANA_PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_documents(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


@cache
def service_settings() -> dict[str, type[ServiceSettings]]:
    """Every deployable under services/ that has settings: name -> class."""
    found: dict[str, type[ServiceSettings]] = {}
    for path in sorted(SERVICES_DIR.glob("*/settings.py")):
        module = importlib.import_module(f"services.{path.parent.name}.settings")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value is not ServiceSettings
            and value.__module__ == module.__name__
        ]
        assert len(classes) == 1, f"{path}: expected one settings class"
        found[path.parent.name] = classes[0]
    return found


def field_env_names(settings: type[ServiceSettings], name: str) -> tuple[str, ...]:
    """The environment variables one field is read from, first match first."""
    field: FieldInfo = settings.model_fields[name]
    prefix = str(settings.model_config.get("env_prefix", ""))
    alias = field.validation_alias
    if alias is None:
        return ((prefix + (field.alias or name)).upper(),)
    if isinstance(alias, str):
        return (alias.upper(),)
    if isinstance(alias, AliasChoices):
        names = []
        for choice in alias.choices:
            # AliasPath points inside a nested value; its first element is
            # still the variable read from the environment.
            first = choice.path[0] if isinstance(choice, AliasPath) else choice
            names.append(str(first).upper())
        return tuple(names)
    if isinstance(alias, AliasPath):
        return (str(alias.path[0]).upper(),)
    raise AssertionError(f"{settings.__name__}.{name}: unexpected alias {alias!r}")


def all_env_names() -> set[str]:
    """Every environment variable any service reads."""
    names: set[str] = set()
    for settings in [ServiceSettings, *service_settings().values()]:
        for field in settings.model_fields:
            names.update(field_env_names(settings, field))
    return names


def default_of(settings: type[ServiceSettings], field: str) -> Any:
    return settings.model_fields[field].default


@dataclass(frozen=True)
class Ports:
    main: int | None  # HTTP or gRPC port (None: the executor has no API)
    metrics: int  # where /metrics and /healthz are served
    metrics_field: str  # the settings field of that port


def service_ports(service: str) -> Ports:
    settings = service_settings()[service]
    fields = settings.model_fields
    main = default_of(settings, "port") if "port" in fields else None
    metrics_field = "ops_port" if "ops_port" in fields else "port"
    return Ports(main, default_of(settings, metrics_field), metrics_field)


# --------------------------------------------------------------------------
# docs/metrics.md
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentedMetric:
    name: str  # as exposed, e.g. omniroute_edge_requests_total
    kind: str  # counter, gauge, histogram, summary
    labels: frozenset[str]


_ROW = re.compile(r"^\|\s*`(omniroute_[a-z0-9_]+)`\s*\|([^|]*)\|([^|]*)\|")


@cache
def documented_metrics() -> dict[str, DocumentedMetric]:
    """The metric table of docs/metrics.md: exposed name -> metric."""
    metrics: dict[str, DocumentedMetric] = {}
    for line in METRICS_DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        name, kind, labels = match.groups()
        assert name not in metrics, f"docs/metrics.md lists {name} twice"
        metrics[name] = DocumentedMetric(
            name=name,
            kind=kind.strip(),
            # Label values are given in parentheses: `result` (`hit`, `miss`).
            labels=frozenset(
                re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", labels))
            ),
        )
    return metrics


def series_names(metric: DocumentedMetric) -> set[str]:
    """The series names a query may use for a documented metric."""
    if metric.kind == "histogram":
        return {f"{metric.name}_{suffix}" for suffix in ("bucket", "sum", "count")}
    if metric.kind == "summary":
        return {metric.name, f"{metric.name}_sum", f"{metric.name}_count"}
    return {metric.name}
