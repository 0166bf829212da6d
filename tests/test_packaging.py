"""The wheel installs one import package, ``posthog_environments_mcp``, and nothing else at the top level.

The repository keeps ``server/``, ``tools/``, ``schemas/`` and ``sandbox/`` at its top; ``pyproject.toml`` maps
them under ``posthog_environments_mcp``. These tests build the real wheel, install it into a fresh virtual
environment next to a throwaway distribution that owns a top-level ``server`` package (the collision that used to
break the server), and run a ``--sandbox`` call through the installed command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "posthog_environments_mcp"
MAPPED = ("server", "tools", "schemas", "sandbox")
_SKIP_COPY = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _build_wheel(source: Path, out: Path) -> Path:
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, source)
    (wheel,) = out.glob("*.whl")
    return wheel


def _top_level_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/", 1)[0] for name in archive.namelist()}


def test_pyproject_lists_every_package_directory() -> None:
    """setuptools does not search mapped directories, so every subpackage must be listed; a missing one would be
    left out of the wheel (and only fail once installed)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {PACKAGE}
    for top in MAPPED:
        for init in (ROOT / top).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT).parts
            on_disk.add(".".join((PACKAGE, *relative)))
    assert set(config["packages"]) == on_disk
    assert config["package-dir"] == {PACKAGE: PACKAGE, **{f"{PACKAGE}.{top}": top for top in MAPPED}}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the tree (the build writes into its source directory)."""
    source = tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(ROOT, source, ignore=_SKIP_COPY)
    return _build_wheel(source, tmp_path_factory.mktemp("dist"))


@pytest.mark.slow
def test_wheel_installs_only_its_own_package(wheel: Path) -> None:
    assert _top_level_names(wheel) == {PACKAGE, f"{PACKAGE}-0.1.0.dist-info"}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert f"{PACKAGE}/server/definitions/tool_manifest.json" in names, (
        "the published tool manifest ships with the code"
    )
    assert f"{PACKAGE}/__main__.py" in names


def _throwaway_server_distribution(tmp: Path) -> Path:
    """A distribution owning a top-level ``server`` package, as many do."""
    project = tmp / "throwaway"
    (project / "server").mkdir(parents=True)
    (project / "server" / "__init__.py").write_text('SERVER_NAME = "someone else\'s server"\n', encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "throwaway-server"\nversion = "1.0"\n[tool.setuptools]\npackages = ["server"]\n',
        encoding="utf-8",
    )
    return _build_wheel(project, tmp / "throwaway-dist")


@pytest.mark.slow
def test_wheel_works_next_to_a_distribution_owning_server(wheel: Path, tmp_path: Path) -> None:
    other = _throwaway_server_distribution(tmp_path)
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", other, wheel)

    # The other distribution's `server` is intact: ours did not overwrite it.
    theirs = _run(python, "-c", "import server; print(server.SERVER_NAME)", cwd=tmp_path)
    assert theirs.stdout.strip() == "someone else's server"

    called = _run(
        venv / "bin" / "posthog-environments-mcp", "--sandbox", "call", "desktop_recordings_list", '{"limit": 1}'
    )
    page = json.loads(called.stdout)  # the result JSON alone on stdout (links and logs on stderr)
    assert page["count"] >= 1
    assert len(page["results"]) == 1

    version = _run(python, "-m", PACKAGE, "--version", cwd=tmp_path)
    assert version.stdout.startswith("posthog-environments-mcp ")
