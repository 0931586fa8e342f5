"""Generates the Python stubs for every contract under ``proto/``.

``make proto`` runs this; the output is checked in next to the shared
package (``omniroute/<domain>/v1/*_pb2.py``) and never edited by hand.
``tests/test_contracts.py`` regenerates into a temporary directory and fails
when the checked-in stubs are stale.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "proto"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Runs protoc for every contract, writing stubs under ``out_dir``."""
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    for proto in proto_files():
        package_dir = out_dir / proto.relative_to(PROTO_ROOT).parent
        for parent in [package_dir, *package_dir.parents]:
            if parent == out_dir or out_dir not in parent.parents:
                break
            init = parent / "__init__.py"
            if not init.exists():
                init.write_text("")
        _drop_empty_grpc_modules(package_dir)


def _drop_empty_grpc_modules(package_dir: Path) -> None:
    # protoc writes a *_pb2_grpc.py for every file, even those without a
    # service; an empty module is noise in the tree.
    for module in package_dir.glob("*_pb2_grpc.py"):
        if "class " not in module.read_text():
            module.unlink()


def generated_files(root: Path) -> dict[str, bytes]:
    """The generated stubs under ``root``, keyed by path relative to it."""
    files: dict[str, bytes] = {}
    for path in (root / "omniroute").rglob("*"):
        if path.name.endswith(GENERATED_SUFFIXES):
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def stale_files() -> list[str]:
    """Paths whose checked-in stub differs from a fresh generation."""
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        fresh = generated_files(Path(tmp))
    current = generated_files(REPO_ROOT)
    return sorted(
        name
        for name in fresh.keys() | current.keys()
        if fresh.get(name) != current.get(name)
    )


def main() -> int:
    for name, _ in generated_files(REPO_ROOT).items():
        (REPO_ROOT / name).unlink()
    generate(REPO_ROOT)
    for name in sorted(generated_files(REPO_ROOT)):
        sys.stdout.write(f"generated {name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
