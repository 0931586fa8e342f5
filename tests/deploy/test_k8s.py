"""The Kubernetes manifests in deploy/k8s, checked without a cluster.

Selectors, ports, probes, images and references must line up across files;
a typo in any of them is a Service with no endpoints or a pod that never gets
ready, which only a real cluster would otherwise reveal.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from omniroute.runtime.settings import ServiceSettings
from tests.deploy.support import (
    K8S_DIR,
    default_of,
    load_yaml,
    load_yaml_documents,
    service_ports,
    service_settings,
)

Manifest = dict[str, Any]
KUSTOMIZATION = "kustomization.yaml"
# Services that run as several replicas and so need a disruption budget.
REPLICATED = ("edge", "router", "cache", "executor")


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    found: list[Manifest] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name == KUSTOMIZATION:
            continue
        for document in load_yaml_documents(path):
            assert {"apiVersion", "kind", "metadata"} <= set(document), path.name
            found.append(document)
    return found


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


@pytest.fixture(scope="module")
def deployments(manifests: list[Manifest]) -> dict[str, Manifest]:
    return of_kind(manifests, "Deployment")


def containers(deployment: Manifest) -> Iterator[Manifest]:
    yield from deployment["spec"]["template"]["spec"]["containers"]


def pod_labels(deployment: Manifest) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def declared_ports(deployment: Manifest) -> dict[str | int, int]:
    """Every container port of a pod, by name and by number."""
    ports: dict[str | int, int] = {}
    for container in containers(deployment):
        for port in container.get("ports", []):
            ports[port["containerPort"]] = port["containerPort"]
            if "name" in port:
                ports[port["name"]] = port["containerPort"]
    return ports


def env_from_config(manifests: list[Manifest]) -> dict[str, str]:
    config = of_kind(manifests, "ConfigMap")["omniroute-config"]
    data: dict[str, str] = config["data"]
    return data


def container_env(manifests: list[Manifest], container: Manifest) -> dict[str, str]:
    """The plain variables a container sees: envFrom sources, then env."""
    env: dict[str, str] = {}
    config_maps = of_kind(manifests, "ConfigMap")
    secrets = of_kind(manifests, "Secret")
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        if "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
    env.update(
        {
            item["name"]: item["value"]
            for item in container.get("env", [])
            if "value" in item
        }
    )
    return env


# --------------------------------------------------------------------------
# Files and namespace
# --------------------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    kustomization = load_yaml(K8S_DIR / KUSTOMIZATION)
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {KUSTOMIZATION}
    assert set(kustomization["resources"]) == files


def test_everything_lives_in_the_namespace(manifests: list[Manifest]) -> None:
    namespaces = of_kind(manifests, "Namespace")
    assert len(namespaces) == 1
    (namespace,) = namespaces.keys()
    for manifest in manifests:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"].get("namespace") == namespace, (
                manifest["kind"],
                manifest["metadata"]["name"],
            )


def test_kustomize_renders() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(K8S_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr


# --------------------------------------------------------------------------
# Deployments
# --------------------------------------------------------------------------


def test_one_deployment_per_service(deployments: dict[str, Manifest]) -> None:
    assert set(deployments) == set(service_settings())
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        assert container["command"] == ["python", "-m", f"services.{name}"], name


def test_selectors_match_pod_labels(deployments: dict[str, Manifest]) -> None:
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selects(selector, pod_labels(deployment)), name
    # No two Deployments may claim each other's pods.
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        for other_name, other in deployments.items():
            if other_name != name:
                assert not selects(selector, pod_labels(other)), (name, other_name)


def test_one_image_for_every_container(deployments: dict[str, Manifest]) -> None:
    images = {c["image"] for d in deployments.values() for c in containers(d)}
    assert len(images) == 1, images
    (image,) = images
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{image}: needs an explicit tag"
    assert tag != "latest"
    kustomization = load_yaml(K8S_DIR / KUSTOMIZATION)
    assert [entry["name"] for entry in kustomization["images"]] == [repository]


def test_container_ports_follow_the_settings(deployments: dict[str, Manifest]) -> None:
    for name, deployment in deployments.items():
        ports = set(declared_ports(deployment).values())
        expected = {service_ports(name).metrics}
        if service_ports(name).main is not None:
            expected.add(service_ports(name).main)
        assert ports == expected, name


def probe_port(probe: Manifest) -> tuple[str, str | int]:
    for kind in ("httpGet", "tcpSocket", "grpc"):
        if kind in probe:
            return kind, probe[kind]["port"]
    raise AssertionError(f"unsupported probe {probe}")


def test_every_container_has_probes_on_real_ports(
    deployments: dict[str, Manifest],
) -> None:
    for name, deployment in deployments.items():
        ports = declared_ports(deployment)
        for container in containers(deployment):
            assert "readinessProbe" in container, name
            assert "livenessProbe" in container, name
            for key in ("startupProbe", "readinessProbe", "livenessProbe"):
                if key not in container:
                    continue
                probe = container[key]
                if "exec" in probe:
                    assert probe["exec"]["command"], (name, key)
                    continue
                kind, port = probe_port(probe)
                assert port in ports, f"{name} {key}: port {port} not declared"
                if kind == "httpGet":
                    assert probe["httpGet"]["path"] == "/healthz", (name, key)
                    # /healthz lives on the metrics port (HTTP or ops).
                    assert ports[port] == service_ports(name).metrics, (name, key)
                if kind == "grpc":
                    assert ports[port] == service_ports(name).main, (name, key)


def test_every_container_has_resources(deployments: dict[str, Manifest]) -> None:
    for name, deployment in deployments.items():
        for container in containers(deployment):
            resources = container.get("resources", {})
            requests = resources.get("requests", {})
            limits = resources.get("limits", {})
            assert {"cpu", "memory"} <= set(requests), name
            assert "memory" in limits, name


def test_pods_run_as_non_root_on_a_read_only_root(
    deployments: dict[str, Manifest],
) -> None:
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        pod_context = pod.get("securityContext", {})
        assert pod.get("automountServiceAccountToken") is False, name
        for container in containers(deployment):
            context = {**pod_context, **container.get("securityContext", {})}
            assert context.get("runAsNonRoot") is True, name
            assert context.get("runAsUser", 0) != 0, name
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("readOnlyRootFilesystem") is True, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name
            assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault"
            # A read-only root still needs a writable /tmp.
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, name


def test_env_sources_exist(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    config_maps = of_kind(manifests, "ConfigMap")
    secrets = of_kind(manifests, "Secret")
    for name, deployment in deployments.items():
        for container in containers(deployment):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, name
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets, name


def test_every_service_gets_the_shared_settings(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        env = container_env(manifests, container)
        assert env["OMNIROUTE_ENV"] == "production", name
        assert env["LOG_FORMAT"] == "json", name
        assert env["OMNIROUTE_SECRET_KEY"], name
        assert env["REDIS_URL"].startswith(("redis://", "rediss://")), name


def test_provider_credentials_reach_admin_only(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        env = container_env(manifests, container)
        assert ("DATABASE_URL" in env) == (name == "admin"), name
        assert ("OPENAI_API_KEY" in env) == (name == "admin"), name


def test_placeholder_secret_is_refused_in_production(
    manifests: list[Manifest],
) -> None:
    """A forgotten secret must stop the rollout, not run with a known key."""
    secrets = of_kind(manifests, "Secret")
    value = secrets["omniroute-shared"]["stringData"]["OMNIROUTE_SECRET_KEY"]
    with pytest.raises(ValidationError, match="OMNIROUTE_SECRET_KEY"):
        ServiceSettings(environment="production", secret_key=value)


def test_admin_is_a_single_writer_on_postgres(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    admin = deployments["admin"]
    assert admin["spec"]["replicas"] == 1
    assert admin["spec"]["strategy"]["type"] == "Recreate"
    (container,) = containers(admin)
    url = container_env(manifests, container)["DATABASE_URL"]
    assert url.startswith(("postgresql://", "postgres://"))


def test_executor_drains_before_it_is_killed(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    executor = deployments["executor"]
    (container,) = containers(executor)
    env = container_env(manifests, container)
    default = default_of(service_settings()["executor"], "drain_timeout_s")
    drain = float(env.get("DRAIN_TIMEOUT_S", default))
    grace = executor["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > drain
    # The HPA owns the replica count.
    assert "replicas" not in executor["spec"]


# --------------------------------------------------------------------------
# Services and service discovery
# --------------------------------------------------------------------------


def test_services_select_pods_and_target_declared_ports(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    for name, service in of_kind(manifests, "Service").items():
        spec = service["spec"]
        if spec.get("type") == "ExternalName":
            assert spec["externalName"] and "selector" not in spec, name
            continue
        matched = [
            d for d in deployments.values() if selects(spec["selector"], pod_labels(d))
        ]
        assert len(matched) == 1, f"Service {name} selects {len(matched)} Deployments"
        ports = declared_ports(matched[0])
        for port in spec["ports"]:
            target = port.get("targetPort", port["port"])
            assert target in ports, f"Service {name}: targetPort {target}"


def test_grpc_services_are_headless(manifests: list[Manifest]) -> None:
    """router and cache are balanced by the gRPC clients, per call."""
    services = of_kind(manifests, "Service")
    config = env_from_config(manifests)
    for variable, target in (("ROUTER_ADDR", "router"), ("CACHE_ADDR", "cache")):
        address = config[variable]
        assert address.startswith("dns:///"), f"{variable}: use the dns:/// scheme"
        host, _, port = address.removeprefix("dns:///").rpartition(":")
        service_name, namespace = host.split(".")[:2]
        service = services[service_name]
        assert service["spec"].get("clusterIP") == "None", service_name
        assert namespace == service["metadata"]["namespace"]
        assert int(port) == service_ports(target).main
        assert any(p["port"] == int(port) for p in service["spec"]["ports"])


def test_http_addresses_name_existing_services(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    services = of_kind(manifests, "Service")
    for name, deployment in deployments.items():
        (container,) = containers(deployment)
        env = container_env(manifests, container)
        for variable, target in (("ADMIN_URL", "admin"), ("EDGE_URL", "edge")):
            if variable not in env:
                continue
            url = urlsplit(env[variable])
            assert url.hostname is not None
            service_name = url.hostname.split(".")[0]
            assert service_name == target, (name, variable)
            assert any(
                p["port"] == url.port for p in services[service_name]["spec"]["ports"]
            ), (name, variable)


def test_external_dependencies_have_stable_names(manifests: list[Manifest]) -> None:
    services = of_kind(manifests, "Service")
    secrets = of_kind(manifests, "Secret")
    urls = [
        secrets["omniroute-shared"]["stringData"]["REDIS_URL"],
        secrets["omniroute-admin"]["stringData"]["DATABASE_URL"],
    ]
    for url in urls:
        hostname = urlsplit(url).hostname
        assert hostname is not None
        external = services[hostname.split(".")[0]]
        assert external["spec"]["type"] == "ExternalName", url


# --------------------------------------------------------------------------
# Autoscaling and disruption budgets
# --------------------------------------------------------------------------


def test_hpa_targets_the_executor_deployment(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
    assert autoscalers, "the executors need an HPA"
    for name, hpa in autoscalers.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments, name
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], name
        for metric in hpa["spec"]["metrics"]:
            if metric["type"] == "Resource":
                resource = metric["resource"]["name"]
                for container in containers(deployments[target["name"]]):
                    # Utilization is a percentage of the request.
                    assert resource in container["resources"]["requests"], name
    assert "executor" in {
        h["spec"]["scaleTargetRef"]["name"] for h in autoscalers.values()
    }


def test_disruption_budgets_match_pods(
    manifests: list[Manifest], deployments: dict[str, Manifest]
) -> None:
    budgets = of_kind(manifests, "PodDisruptionBudget")
    covered: set[str] = set()
    for name, budget in budgets.items():
        selector = budget["spec"]["selector"]["matchLabels"]
        matched = [
            n for n, d in deployments.items() if selects(selector, pod_labels(d))
        ]
        assert len(matched) == 1, f"PDB {name} selects {matched}"
        covered.update(matched)
        replicas = deployments[matched[0]]["spec"].get("replicas")
        if replicas == 1:
            # minAvailable 1 on a single pod would block every node drain.
            assert budget["spec"].get("minAvailable") in (None, 0), name
    assert set(REPLICATED) <= covered
