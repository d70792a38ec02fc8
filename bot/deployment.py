"""Offline checks of the deployment files: `make lint-deploy` and tests/unit/test_deployment_files.py.

What can be checked without a Docker engine or a cluster:
- docker-compose.yml: builds, Dockerfiles and their stages, mounted files, `${VAR}`s
  documented in .env.example, dependencies, and the variables the production endpoints
  and credentials read reaching the Rasa servers;
- deploy/docker/*.Dockerfile: base images pinned, COPY sources present and not
  .dockerignore'd, requirement files covered by requirements.lock;
- deploy/k8s/ and deploy/helm/: required fields, selectors, volumes, probes, the keys of
  the ConfigMap and the Secret template, the Services an Ingress routes to;
- deploy/nginx/nginx.conf: upstreams are compose services;
- `python -m bot ...` commands in all of them exist in the CLI.

`python -m bot.deployment` prints every problem and exits 1 if there is one; it also runs
`docker compose config`, `kubectl kustomize` and `nginx -t` when they are installed.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

import yaml

from bot.settings import PROJECT_ROOT

COMPOSE_FILE = "docker-compose.yml"
ENV_EXAMPLE = ".env.example"
PRODUCTION_FILES = ("deploy/endpoints.production.yml", "deploy/credentials.production.yml")
CONFIG_MAP = "northwind-config"
SECRET = "northwind-secrets"
# Services the Helm charts create (deploy/helm/*.yaml pin them with fullnameOverride).
HELM_SERVICES = {"rasa": "deploy/helm/rasa-values.yaml", "rasa-action-server": "deploy/helm/rasa-action-server-values.yaml"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
KINDS_WITHOUT_SPEC = {"ConfigMap", "Secret", "Namespace", "ServiceAccount"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")
SECRET_NAMES = re.compile(r"(PASSWORD|SECRET|TOKEN)$")
# Made by `make train`, so absent from a fresh clone: a COPY of them is checked against
# .dockerignore only.
GENERATED = ("models/",)


@dataclass(frozen=True)
class ToolResult:
    """An optional external check: skipped when its tool is not installed."""

    name: str
    ran: bool
    problems: List[str]


def yaml_files(root: Path = PROJECT_ROOT) -> List[Path]:
    """Every YAML file `make lint-deploy` checks."""
    files = [root / COMPOSE_FILE, root / ".yamllint"]
    files += sorted(p for p in (root / "deploy").rglob("*") if p.suffix in (".yml", ".yaml"))
    return files


def load_yaml_documents(path: Path) -> List[Any]:
    with path.open(encoding="utf-8") as handle:
        return [document for document in yaml.safe_load_all(handle) if document is not None]


def check_yaml_syntax(root: Path = PROJECT_ROOT) -> List[str]:
    problems = []
    for path in yaml_files(root):
        try:
            load_yaml_documents(path)
        except (OSError, yaml.YAMLError) as error:
            problems.append(f"{path.relative_to(root)}: {error}")
    return problems


def variables_in(text: str) -> Set[str]:
    """Names in `${NAME}`, `${NAME:-default}`, `${NAME:?error}` (not in `$${...}` nor in comments)."""
    code = "\n".join(line.split(" #", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("#"))
    return set(VARIABLE.findall(code))


def env_example(root: Path = PROJECT_ROOT) -> Dict[str, str]:
    values = {}
    for line in (root / ENV_EXAMPLE).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def check_env_example(root: Path = PROJECT_ROOT) -> List[str]:
    """No real secret in the example: every password, secret and token is a change-me placeholder."""
    problems = []
    for name, value in env_example(root).items():
        if SECRET_NAMES.search(name) and not value.startswith("change-me"):
            problems.append(f"{ENV_EXAMPLE}: {name} must be a change-me placeholder, not a value")
        if "change-me" not in value and re.search(r"://[^:/@]+:[^@]+@", value):
            problems.append(f"{ENV_EXAMPLE}: {name} has a password in its URL that is not a placeholder")
    return problems


# ---------------------------------------------------------------- Dockerfiles


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    stages: List[str]
    base_images: List[str]
    copy_sources: List[str]  # from the build context (not COPY --from)


def _instructions(text: str) -> Iterator[Tuple[str, str]]:
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, rest = logical.partition(" ")
        yield keyword.upper(), rest.strip()
        logical = ""


def parse_dockerfile(path: Path) -> Dockerfile:
    arguments: Dict[str, str] = {}
    stages: List[str] = []
    bases: List[str] = []
    sources: List[str] = []
    for keyword, rest in _instructions(path.read_text(encoding="utf-8")):
        if keyword == "ARG" and "=" in rest and not stages:
            name, value = rest.split("=", 1)
            arguments[name.strip()] = value.strip()
        elif keyword == "FROM":
            words = rest.split()
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)), words[0])
            bases.append(image)
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.append(words[2])
        elif keyword in ("COPY", "ADD"):
            words = rest.split()
            if any(word.startswith("--from=") for word in words):
                continue
            paths = [word for word in words if not word.startswith("--")]
            sources += paths[:-1]
    return Dockerfile(path, stages, bases, sources)


def dockerignore_patterns(context: Path) -> List[Tuple[bool, str]]:
    path = context / ".dockerignore"
    if not path.exists():
        return []
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    return patterns


def is_dockerignored(relative: str, patterns: List[Tuple[bool, str]]) -> bool:
    """Docker's rule, closely enough for our files: the last pattern that matches the path or a
    folder above it decides, and `!` re-includes."""
    parts = relative.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negated, pattern in patterns:
        if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
            excluded = not negated
    return excluded


def lock_names(root: Path = PROJECT_ROOT) -> Set[str]:
    names = set()
    for line in (root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "==" in line:
            names.add(_normalise(line.split("==")[0]))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(path: Path) -> List[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(_normalise(re.split(r"[\[=<>!~ ;]", line, maxsplit=1)[0]))
    return names


def check_dockerfile(path: Path, context: Path, root: Path = PROJECT_ROOT) -> List[str]:
    label = str(path.relative_to(root))
    dockerfile = parse_dockerfile(path)
    patterns = dockerignore_patterns(context)
    problems = []
    for image in dockerfile.base_images:
        if image in dockerfile.stages:
            continue
        name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        if not tag or tag == "latest" or "$" in image:
            problems.append(f"{label}: base image {image!r} is not pinned to a version")
    for source in dockerfile.copy_sources:
        relative = source.rstrip("/")
        if not (context / relative).exists() and not relative.startswith(GENERATED):
            problems.append(f"{label}: COPY source {source!r} does not exist")
        elif is_dockerignored(relative, patterns):
            problems.append(f"{label}: COPY source {source!r} is excluded by .dockerignore")
        if relative.startswith("deploy/docker/requirements-") and (context / relative).exists():
            missing = [n for n in requirement_names(context / relative) if n not in lock_names(root)]
            if missing:
                problems.append(f"{relative}: not in requirements.lock: {', '.join(missing)}")
    return problems


def check_dockerfiles(root: Path = PROJECT_ROOT) -> List[str]:
    problems = []
    for path in sorted((root / "deploy" / "docker").glob("*.Dockerfile")):
        problems += check_dockerfile(path, root, root)
    return problems


# ---------------------------------------------------------------- docker-compose.yml


def compose_services(root: Path = PROJECT_ROOT) -> Dict[str, Dict[str, Any]]:
    documents = load_yaml_documents(root / COMPOSE_FILE)
    return dict(documents[0].get("services", {})) if documents else {}


def _argv(service: Mapping[str, Any]) -> List[str]:
    entrypoint = service.get("entrypoint") or []
    command = service.get("command") or []
    entrypoint = entrypoint.split() if isinstance(entrypoint, str) else list(entrypoint)
    command = command.split() if isinstance(command, str) else list(command)
    return [str(word) for word in entrypoint + command]


def _environment_names(service: Mapping[str, Any]) -> Set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return {str(item).split("=", 1)[0] for item in environment}
    return set(environment)


def production_variables(root: Path = PROJECT_ROOT) -> Set[str]:
    """The variables deploy/endpoints.production.yml and deploy/credentials.production.yml read."""
    names: Set[str] = set()
    for relative in PRODUCTION_FILES:
        names |= variables_in((root / relative).read_text(encoding="utf-8"))
    return names


def check_compose(root: Path = PROJECT_ROOT) -> List[str]:
    text = (root / COMPOSE_FILE).read_text(encoding="utf-8")
    documents = load_yaml_documents(root / COMPOSE_FILE)
    compose = documents[0] if documents else {}
    services = compose.get("services", {})
    named_volumes = set(compose.get("volumes") or {})
    documented = set(env_example(root))
    problems = []

    for name in sorted(variables_in(text) - documented):
        problems.append(f"{COMPOSE_FILE}: ${{{name}}} is not in {ENV_EXAMPLE}")

    needed_by_rasa = production_variables(root)
    for name, service in services.items():
        where = f"{COMPOSE_FILE}: service {name}"
        if not service.get("image") and not service.get("build"):
            problems.append(f"{where}: neither image nor build")
        build = service.get("build")
        if isinstance(build, dict):
            context = root / build.get("context", ".")
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            if not dockerfile.is_file():
                problems.append(f"{where}: Dockerfile {dockerfile.relative_to(root)} does not exist")
            elif build.get("target") and build["target"] not in parse_dockerfile(dockerfile).stages:
                problems.append(f"{where}: {dockerfile.name} has no stage {build['target']!r}")
        for volume in service.get("volumes") or []:
            source = str(volume).split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                if not (root / source).exists():
                    problems.append(f"{where}: mounted path {source} does not exist")
            elif source and source not in named_volumes:
                problems.append(f"{where}: volume {source!r} is not declared under volumes:")
        depends = service.get("depends_on") or {}
        for other, condition in (depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)):
            if other not in services:
                problems.append(f"{where}: depends on unknown service {other!r}")
            elif (condition or {}).get("condition") == "service_completed_successfully":
                if str(services[other].get("restart", "no")) != "no":
                    problems.append(f"{where}: waits for {other} to complete, but {other} restarts")
        argv = _argv(service)
        if any(PRODUCTION_FILES[0] in word for word in argv):
            missing = needed_by_rasa - _environment_names(service)
            if missing:
                problems.append(f"{where}: the production endpoints/credentials need {', '.join(sorted(missing))}")
    return problems


# ---------------------------------------------------------------- Kubernetes and Helm


def kubernetes_documents(root: Path = PROJECT_ROOT) -> List[Tuple[str, Dict[str, Any]]]:
    documents = []
    for path in sorted((root / "deploy" / "k8s").glob("*.yaml")):
        for document in load_yaml_documents(path):
            documents.append((str(path.relative_to(root)), document))
    return documents


def _pod_spec(document: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    kind = document.get("kind")
    spec = document.get("spec") or {}
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    if kind in WORKLOAD_KINDS:
        return ((spec.get("template") or {}).get("spec")) or {}
    return None


def _env_refs(containers: Iterable[Mapping[str, Any]]) -> Iterator[Tuple[str, str, str]]:
    """(kind, object name, key) of every configMapKeyRef / secretKeyRef."""
    for container in containers:
        for variable in container.get("env") or []:
            source = variable.get("valueFrom") or {}
            for kind in ("configMapKeyRef", "secretKeyRef"):
                if kind in source:
                    yield kind, source[kind].get("name", ""), source[kind].get("key", "")


def configuration_keys(root: Path = PROJECT_ROOT) -> Dict[Tuple[str, str], Set[str]]:
    """Keys of each ConfigMap and Secret (the template included) in deploy/k8s/."""
    keys: Dict[Tuple[str, str], Set[str]] = {}
    for _, document in kubernetes_documents(root):
        if document.get("kind") == "ConfigMap":
            keys[("configMapKeyRef", document["metadata"]["name"])] = set(document.get("data") or {})
        if document.get("kind") == "Secret":
            data = {**(document.get("data") or {}), **(document.get("stringData") or {})}
            keys[("secretKeyRef", document["metadata"]["name"])] = set(data)
    return keys


def _check_refs(where: str, containers: Iterable[Mapping[str, Any]], keys: Mapping[Tuple[str, str], Set[str]]) -> List[str]:
    problems = []
    for kind, name, key in _env_refs(containers):
        if (kind, name) not in keys:
            problems.append(f"{where}: {kind} to unknown {name!r}")
        elif key not in keys[(kind, name)]:
            problems.append(f"{where}: {name} has no key {key!r}")
    return problems


def _check_pod(where: str, kind: str, pod: Mapping[str, Any], keys: Mapping[Tuple[str, str], Set[str]]) -> List[str]:
    problems = []
    containers = list(pod.get("containers") or [])
    if not containers:
        problems.append(f"{where}: no containers")
    volumes = {volume.get("name") for volume in pod.get("volumes") or []}
    for container in containers + list(pod.get("initContainers") or []):
        name = container.get("name")
        if not name or not container.get("image"):
            problems.append(f"{where}: a container without name or image")
            continue
        image = str(container["image"])
        if ":" not in image.split("/")[-1] or image.endswith(":latest"):
            problems.append(f"{where}: container {name} image {image!r} is not pinned to a tag")
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") not in volumes:
                problems.append(f"{where}: container {name} mounts {mount.get('name')!r}, which is not a pod volume")
        ports = {port.get("name") for port in container.get("ports") or []}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            port = ((container.get(probe) or {}).get("httpGet") or {}).get("port")
            if isinstance(port, str) and port not in ports:
                problems.append(f"{where}: container {name} {probe} uses port {port!r}, which it does not name")
    if kind in ("Job", "CronJob") and pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problems.append(f"{where}: a Job's pods need restartPolicy Never or OnFailure")
    problems += _check_refs(where, containers, keys)
    return problems


def helm_values(root: Path = PROJECT_ROOT) -> Dict[str, Dict[str, Any]]:
    return {
        str(path.relative_to(root)): (load_yaml_documents(path) or [{}])[0]
        for path in sorted((root / "deploy" / "helm").glob("*.yaml"))
    }


def check_kubernetes(root: Path = PROJECT_ROOT) -> List[str]:
    documents = kubernetes_documents(root)
    keys = configuration_keys(root)
    problems = []
    services: Dict[str, Set[int]] = {}
    workload_labels: List[Dict[str, str]] = []
    claims: Set[str] = set()

    for path, document in documents:
        kind = document.get("kind")
        name = (document.get("metadata") or {}).get("name")
        where = f"{path}: {kind} {name}"
        if kind == "Kustomization":
            for resource in document.get("resources") or []:
                if not (root / "deploy" / "k8s" / resource).exists():
                    problems.append(f"{path}: resource {resource} does not exist")
            continue
        for field_name in ("apiVersion", "kind"):
            if not document.get(field_name):
                problems.append(f"{path}: a document without {field_name}")
        if not name:
            problems.append(f"{path}: {kind} without metadata.name")
        elif not DNS_LABEL.match(name) or len(name) > 63:
            problems.append(f"{where}: metadata.name is not a DNS label")
        if kind not in KINDS_WITHOUT_SPEC and not document.get("spec"):
            problems.append(f"{where}: no spec")
        if kind in ("ConfigMap", "Secret"):
            values = {**(document.get("data") or {}), **(document.get("stringData") or {})}
            problems += [f"{where}: {key} is not a string" for key, v in values.items() if not isinstance(v, str)]
        pod = _pod_spec(document)
        if pod is not None:
            problems += _check_pod(where, kind or "", pod, keys)
            spec = document.get("spec") or {}
            if kind in ("Deployment", "StatefulSet", "DaemonSet"):
                selector = (spec.get("selector") or {}).get("matchLabels") or {}
                labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
                if not selector or any(labels.get(k) != v for k, v in selector.items()):
                    problems.append(f"{where}: selector.matchLabels must be among the pod template's labels")
                workload_labels.append(labels)
            for volume in pod.get("volumes") or []:
                claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    claims.add(claim)
        if kind == "Service":
            services[str(name)] = {int(port.get("port", 0)) for port in (document.get("spec") or {}).get("ports") or []}
        if kind == "PersistentVolumeClaim":
            claims.discard(name)
            services.setdefault(f"pvc:{name}", set())

    for path, document in documents:
        if document.get("kind") == "Service":
            selector = (document.get("spec") or {}).get("selector") or {}
            if not any(all(labels.get(k) == v for k, v in selector.items()) for labels in workload_labels):
                problems.append(f"{path}: Service {document['metadata']['name']} selects no pod of deploy/k8s")

    helm = helm_values(root)
    for service, values_path in HELM_SERVICES.items():
        values = helm.get(values_path, {})
        if values.get("fullnameOverride") != service:
            problems.append(f"{values_path}: fullnameOverride must be {service!r} (the Service name others use)")
        services[service] = {int((values.get("service") or {}).get("port", 0))}

    for path, document in documents:
        if document.get("kind") != "Ingress":
            continue
        for rule in (document.get("spec") or {}).get("rules") or []:
            for route in (rule.get("http") or {}).get("paths") or []:
                backend = (route.get("backend") or {}).get("service") or {}
                target, port = backend.get("name"), (backend.get("port") or {}).get("number")
                if target not in services:
                    problems.append(f"{path}: Ingress routes {route.get('path')} to unknown Service {target!r}")
                elif port not in services[target]:
                    problems.append(f"{path}: Service {target} has no port {port}")

    pvcs = {name[4:] for name in services if name.startswith("pvc:")}
    for values_path, values in helm.items():
        problems += _check_helm_values(values_path, values, keys, pvcs, root)
    problems += [f"deploy/k8s: no PersistentVolumeClaim {claim!r}" for claim in sorted(claims - pvcs)]
    return problems


def _check_helm_values(
    path: str, values: Mapping[str, Any], keys: Mapping[Tuple[str, str], Set[str]], pvcs: Set[str], root: Path
) -> List[str]:
    problems = []
    image = values.get("image") or {}
    if not image.get("repository") or not str(image.get("tag", "")) or str(image.get("tag")) == "latest":
        problems.append(f"{path}: image.repository and a pinned image.tag are needed")
    problems += _check_refs(path, [{"env": values.get("extraEnv") or []}], keys)
    for volume in values.get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim and claim not in pvcs:
            problems.append(f"{path}: volume {volume.get('name')} uses PersistentVolumeClaim {claim!r}, not in deploy/k8s")
    args = [str(word) for word in values.get("args") or []]
    for word in args:
        if word.startswith("deploy/") and not (root / word).exists():
            problems.append(f"{path}: args name {word}, which does not exist")
    if any(PRODUCTION_FILES[0] in word for word in args):
        provided = {variable.get("name") for variable in values.get("extraEnv") or []}
        external = (values.get("rasa-action-server") or {}).get("external") or {}
        if external.get("enabled") and external.get("url"):
            provided.add("ACTION_SERVER_URL")  # the chart sets it
        missing = production_variables(root) - provided
        if missing:
            problems.append(f"{path}: the production endpoints/credentials need {', '.join(sorted(missing))}")
        used = {match for word in args for match in re.findall(r"\$\((\w+)\)", word)}
        problems += [f"{path}: args use $({name}), which extraEnv does not set" for name in sorted(used - provided)]
    return problems


# ---------------------------------------------------------------- nginx and the CLI


def nginx_upstream_servers(root: Path = PROJECT_ROOT) -> List[Tuple[str, int]]:
    text = (root / "deploy" / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    servers = []
    for block in re.findall(r"upstream\s+\w+\s*\{(.*?)\}", text, flags=re.S):
        for host, port in re.findall(r"^\s*server\s+([\w.-]+):(\d+)", block, flags=re.M):
            servers.append((host, int(port)))
    return servers


def check_nginx(root: Path = PROJECT_ROOT) -> List[str]:
    text = (root / "deploy" / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    code = re.sub(r"#.*", "", text)
    problems = []
    if code.count("{") != code.count("}"):
        problems.append("deploy/nginx/nginx.conf: unbalanced braces")
    services = compose_services(root)
    for host, _ in nginx_upstream_servers(root):
        if host not in services:
            problems.append(f"deploy/nginx/nginx.conf: upstream server {host} is not a compose service")
    return problems


def bot_commands(root: Path = PROJECT_ROOT) -> List[Tuple[str, List[str]]]:
    """(where, arguments) of every `python -m bot ...` in compose, the manifests and the Dockerfiles."""
    found: List[Tuple[str, List[str]]] = []

    def collect(where: str, argv: List[str]) -> None:
        if argv[:3] == ["python", "-m", "bot"]:
            found.append((where, argv[3:]))

    for name, service in compose_services(root).items():
        collect(f"{COMPOSE_FILE}: service {name}", _argv(service))
    for path, document in kubernetes_documents(root):
        pod = _pod_spec(document)
        for container in (pod or {}).get("containers") or []:
            argv = [str(word) for word in (container.get("command") or []) + (container.get("args") or [])]
            collect(f"{path}: {document.get('kind')} {document['metadata']['name']}", argv)
    for dockerfile in sorted((root / "deploy" / "docker").glob("*.Dockerfile")):
        for keyword, rest in _instructions(dockerfile.read_text(encoding="utf-8")):
            if keyword == "CMD" and rest.startswith("["):
                collect(str(dockerfile.relative_to(root)), [str(word) for word in yaml.safe_load(rest)])
    return found


def check_bot_commands(root: Path = PROJECT_ROOT) -> List[str]:
    from bot.cli import build_parser

    problems = []
    for where, arguments in bot_commands(root):
        errors = io.StringIO()
        try:
            with contextlib.redirect_stderr(errors):
                build_parser().parse_args(arguments)
        except SystemExit:  # argparse's way of saying no
            reason = (errors.getvalue().strip().splitlines() or ["unknown"])[-1]
            problems.append(f"{where}: `python -m bot {' '.join(arguments)}` is not a CLI command: {reason}")
    return problems


# ---------------------------------------------------------------- optional tools


def _run(command: List[str], cwd: Path) -> Tuple[int, str]:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    return completed.returncode, (completed.stdout + completed.stderr).strip()


def compose_command() -> Optional[List[str]]:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever is installed; no engine needed."""
    if shutil.which("docker") and _run(["docker", "compose", "version"], Path.cwd())[0] == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def run_compose_config(root: Path = PROJECT_ROOT) -> ToolResult:
    command = compose_command()
    if command is None:
        return ToolResult("docker compose config", False, [])
    code, output = _run(command + ["--env-file", ENV_EXAMPLE, "--profile", "tools", "config", "-q"], root)
    return ToolResult(" ".join(command) + " config", True, [output or f"exit {code}"] if code else [])


def run_kustomize(root: Path = PROJECT_ROOT) -> ToolResult:
    if not shutil.which("kubectl"):
        return ToolResult("kubectl kustomize", False, [])
    code, output = _run(["kubectl", "kustomize", "deploy/k8s"], root)
    return ToolResult("kubectl kustomize", True, [output[-2000:]] if code else [])


def run_nginx_test(root: Path = PROJECT_ROOT) -> ToolResult:
    """`nginx -t` on a copy whose upstreams point at 127.0.0.1 (compose names do not resolve here)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        return ToolResult("nginx -t", False, [])
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "nginx.conf"
        config.write_text(testable_nginx_config(root, Path(folder)), encoding="utf-8")
        code, output = _run([nginx, "-t", "-q", "-c", str(config), "-p", folder, "-g", f"pid {folder}/nginx.pid;"], root)
    return ToolResult("nginx -t", True, [output] if code else [])


def testable_nginx_config(
    root: Path, folder: Path, hosts: Optional[Mapping[str, str]] = None, ports: Optional[Mapping[int, int]] = None
) -> str:
    """nginx.conf with upstream hosts (and listen ports) replaced, logs in `folder`."""
    text = (root / "deploy" / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    for host, port in nginx_upstream_servers(root):
        target = (hosts or {}).get(f"{host}:{port}", f"127.0.0.1:{port}")
        text = re.sub(rf"server\s+{re.escape(host)}:{port}\b", f"server {target}", text)
    for listen, replacement in (ports or {}).items():
        text = re.sub(rf"listen\s+{listen};", f"listen 127.0.0.1:{replacement};", text)
    text = text.replace("/dev/stdout", str(folder / "access.log")).replace("/dev/stderr", str(folder / "error.log"))
    return text


# ---------------------------------------------------------------- all of it


CHECKS = {
    "YAML syntax": check_yaml_syntax,
    ".env.example": check_env_example,
    "Dockerfiles": check_dockerfiles,
    "docker-compose.yml": check_compose,
    "Kubernetes manifests and Helm values": check_kubernetes,
    "nginx.conf": check_nginx,
    "`python -m bot` commands": check_bot_commands,
}
TOOLS = (run_compose_config, run_kustomize, run_nginx_test)


def main(root: Path = PROJECT_ROOT) -> int:
    failed = False
    for label, check in CHECKS.items():
        problems = check(root)
        failed |= bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {label}")
        for problem in problems:
            print(f"     {problem}")
    for tool in TOOLS:
        result = tool(root)
        failed |= bool(result.problems)
        status = "FAIL" if result.problems else ("ok  " if result.ran else "skip")
        print(f"{status} {result.name}{'' if result.ran else ' (not installed)'}")
        for problem in result.problems:
            print(f"     {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
