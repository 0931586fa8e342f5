"""docs/metrics.md, the Grafana dashboard, Prometheus and the OTel collector.

docs/metrics.md is the contract: it must list exactly what the code exports,
and the dashboard may query only what it lists, with labels that exist.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from prometheus_client.metrics import MetricWrapperBase

from tests.deploy.support import (
    COLLECTOR_CONFIG,
    COMPOSE_FILE,
    DASHBOARD,
    GRAFANA_PROVISIONING,
    PROMETHEUS_CONFIG,
    ROOT,
    DocumentedMetric,
    documented_metrics,
    load_yaml,
    series_names,
    service_ports,
    service_settings,
)

METRIC_NAME = re.compile(r"\bomniroute_[a-z0-9_]+")
# Labels every scraped series carries besides its own.
TARGET_LABELS = {"instance", "job", "service", "le"}


# --------------------------------------------------------------------------
# docs/metrics.md against the code
# --------------------------------------------------------------------------


def exported_metrics() -> dict[str, tuple[str, frozenset[str]]]:
    """Every omniroute_* metric the code defines: exposed name -> (type, labels).

    Metrics are module-level objects of ``metrics.py`` modules, by the code's
    convention; reading the modules (not the global registry) keeps metrics
    registered by other tests out of the comparison.
    """
    paths = sorted(ROOT.glob("services/*/metrics.py")) + sorted(
        ROOT.glob("omniroute/**/metrics.py")
    )
    exported: dict[str, tuple[str, frozenset[str]]] = {}
    for path in paths:
        module = importlib.import_module(
            ".".join(path.relative_to(ROOT).with_suffix("").parts)
        )
        for value in vars(module).values():
            if not isinstance(value, MetricWrapperBase):
                continue
            (family,) = value.describe()
            if not family.name.startswith("omniroute_"):
                continue
            name = family.name + ("_total" if family.type == "counter" else "")
            # prometheus_client keeps label names private; there is no
            # public accessor for a metric without samples.
            labels = frozenset(value._labelnames)
            exported[name] = (family.type, labels)
    return exported


def test_metrics_doc_has_a_table() -> None:
    assert len(documented_metrics()) >= 10


def test_every_exported_metric_is_documented() -> None:
    exported = exported_metrics()
    documented = documented_metrics()
    assert exported, "no omniroute_* metric registered"
    missing = set(exported) - set(documented)
    assert not missing, f"docs/metrics.md lacks {sorted(missing)}"
    stale = set(documented) - set(exported)
    assert not stale, f"docs/metrics.md lists metrics the code lacks: {sorted(stale)}"
    for name, (kind, labels) in exported.items():
        assert documented[name].kind == kind, f"{name}: documented type"
        assert documented[name].labels == labels, f"{name}: documented labels"


def test_documented_names_follow_the_convention() -> None:
    # Redis is a subsystem every service has: its errors are one family.
    subsystems = set(service_settings()) | {"redis"}
    for name, metric in documented_metrics().items():
        assert name.split("_")[1] in subsystems, f"{name}: omniroute_<subsystem>_..."
        if metric.kind == "counter":
            assert name.endswith("_total"), name
        if metric.kind == "histogram":
            assert name.endswith(("_seconds", "_bytes", "_tokens")), name


def test_every_metric_maps_to_litellm() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("| `omniroute_"):
            litellm_column = line.rstrip("|").rsplit("|", 1)[1]
            assert "litellm_" in litellm_column or "none" in litellm_column, line


# --------------------------------------------------------------------------
# The Grafana dashboard
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        flat.append(panel)
        flat.extend(panel.get("panels", []))  # collapsed rows nest theirs
    return flat


def queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression: panel targets and variable queries."""
    found = [
        target["expr"]
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            found.append(query["query"] if isinstance(query, dict) else query)
    return found


def test_dashboard_is_valid_dashboard_json(dashboard: dict[str, Any]) -> None:
    assert isinstance(dashboard["uid"], str) and dashboard["uid"]
    assert dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    graphs = [p for p in panels(dashboard) if p["type"] != "row"]
    assert len(graphs) >= 8
    for panel in graphs:
        assert panel["title"], panel["id"]
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        for target in panel["targets"]:
            assert target["expr"].strip() and target["refId"], panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]


def test_dashboard_datasource_is_the_provisioned_one(dashboard: dict[str, Any]) -> None:
    provisioned = load_yaml(GRAFANA_PROVISIONING / "datasources" / "datasources.yaml")
    prometheus = [d for d in provisioned["datasources"] if d["type"] == "prometheus"]
    assert len(prometheus) == 1
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    selector = variables["datasource"]
    assert selector["type"] == "datasource" and selector["query"] == "prometheus"
    assert selector["current"]["value"] == prometheus[0]["uid"]
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def resolve(series: str) -> DocumentedMetric | None:
    for metric in documented_metrics().values():
        if series in series_names(metric):
            return metric
    return None


def test_dashboard_queries_only_documented_metrics(dashboard: dict[str, Any]) -> None:
    for expr in queries(dashboard):
        names = METRIC_NAME.findall(expr)
        assert names, f"query without an omniroute metric: {expr}"
        for series in names:
            assert resolve(series), f"{series} is not in docs/metrics.md ({expr})"


def test_dashboard_uses_labels_the_metrics_have(dashboard: dict[str, Any]) -> None:
    for expr in queries(dashboard):
        metrics = [resolve(name) for name in METRIC_NAME.findall(expr)]
        known = set(TARGET_LABELS)
        for metric in metrics:
            assert metric is not None
            known |= metric.labels
        # Label matchers inside {...} and grouping in by (...) / without (...).
        for selector in re.findall(r"\{([^}]*)\}", expr):
            for label in re.findall(r"([a-z_]+)\s*(?:=~|!~|!=|=)", selector):
                assert label in known, f"unknown label {label} in {expr}"
        for grouping in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
            for label in filter(None, (g.strip() for g in grouping.split(","))):
                assert label in known, f"unknown label {label} in {expr}"


def test_quantiles_come_from_histogram_buckets(dashboard: dict[str, Any]) -> None:
    for expr in queries(dashboard):
        assert expr.count("(") == expr.count(")"), expr
        assert expr.count("{") == expr.count("}"), expr
        if "histogram_quantile" in expr:
            assert "_bucket" in expr and re.search(r"by \(le\b", expr), expr
        for series in METRIC_NAME.findall(expr):
            metric = resolve(series)
            assert metric is not None
            if metric.kind == "counter" and not expr.startswith("label_values("):
                # A raw counter only ever grows; graphs need its rate.
                assert re.search(rf"(rate|increase)\({series}\b", expr), expr


def test_grafana_loads_the_dashboard_from_the_mounted_folder() -> None:
    provider = load_yaml(GRAFANA_PROVISIONING / "dashboards" / "omniroute.yaml")
    (entry,) = provider["providers"]
    assert entry["type"] == "file"
    grafana = load_yaml(COMPOSE_FILE)["services"]["grafana"]
    mounts = {
        source: target
        for source, target, *_ in (str(v).split(":") for v in grafana["volumes"])
    }
    assert mounts["./deploy/grafana/dashboards"] == entry["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"


# --------------------------------------------------------------------------
# Prometheus and the OTel collector
# --------------------------------------------------------------------------


def test_prometheus_scrapes_every_service_on_its_metrics_port() -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    scraped: dict[str, set[int]] = {}
    for job in config["scrape_configs"]:
        for discovery in job.get("dns_sd_configs", []):
            # DNS discovery on the compose service name: every replica of a
            # scaled service becomes a target.
            assert discovery.get("type", "SRV") == "A", job["job_name"]
            for name in discovery["names"]:
                scraped.setdefault(name, set()).add(discovery["port"])
    for service in service_settings():
        assert scraped.get(service) == {service_ports(service).metrics}, service


def test_prometheus_config_is_mounted_by_compose() -> None:
    prometheus = load_yaml(COMPOSE_FILE)["services"]["prometheus"]
    mount = "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert mount in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]


def test_collector_receives_otlp_and_exports_to_jaeger() -> None:
    config = load_yaml(COLLECTOR_CONFIG)
    services = load_yaml(COMPOSE_FILE)["services"]
    traces = config["service"]["pipelines"]["traces"]
    for section in ("receivers", "processors", "exporters"):
        for component in traces[section]:
            assert component in config[section], f"{section}: {component} undefined"
    for extension in config["service"].get("extensions", []):
        assert extension in config["extensions"], extension
    grpc = config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    assert grpc.startswith("0.0.0.0:"), "bind every interface in a container"
    # The services' OTLP endpoint is this collector's gRPC receiver.
    endpoint = services["edge"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    default = re.search(r":-([^}]*)\}", endpoint)
    assert default, "OTEL_EXPORTER_OTLP_ENDPOINT needs a default"
    collector = urlsplit(default.group(1))
    assert collector.hostname in services
    assert collector.port == int(grpc.rsplit(":", 1)[1])
    for exporter in traces["exporters"]:
        host = config["exporters"][exporter]["endpoint"].split(":")[0]
        assert host in services and "jaeger" in services[host]["image"], exporter
