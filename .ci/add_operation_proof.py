"""Proof that adding an operation touches only the files the README's "Adding an operation" section names.

Copies the tree (every file git tracks or would track) into a temporary directory, commits it there, adds a
throw-away ``datasets_list`` operation exactly as the README says (a schema, a catalog entry, a sandbox route),
runs the generator, then asserts that ``git status --porcelain`` lists only those three sources plus the two
generated files, and runs ruff, pyright and the test suite in the copy, in a virtual environment of its own (an
editable install maps the package to absolute paths, so the copy cannot use this tree's venv).

Skipped in the copy, to keep it lean: ``tests/test_packaging.py`` (builds a wheel and two venvs; it proves
packaging, which a new operation does not change) and ``tests/e2e/test_inspector.py`` (downloads the Node
inspector). Both run in this tree's own suite. Usage: ``python .ci/add_operation_proof.py`` (exit 0: proven).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

EXPECTED_CHANGES = {
    "schemas/datasets.py",
    "tools/datasets.py",
    "sandbox/routes/datasets.py",
    "server/definitions/tool_manifest.json",
    "README.md",
}
"""The README's steps: three hand-written sources, then the generator's two files."""

SCHEMA = '''

class DatasetsList(ToolInput, Paginated):
    """Arguments of datasets_list."""


class Dataset(Output):
    """A dataset as PostHog returns it."""

    id: str | None = Field(default=None, description="Dataset UUID.")
    name: str | None = Field(default=None, description="The dataset's name.")


class DatasetPage(ResultsPage):
    """A page of datasets."""

    results: list[Dataset] = Field(default_factory=list[Dataset], description="The datasets on this page.")
'''
SCHEMA_IMPORTS = (
    "from .common import ToolInput, Uuid\n",
    "from pydantic import Field\n\n"
    "from .common import Paginated, ToolInput, Uuid\nfrom .fields import Output, ResultsPage\n",
)

ENTRY = """    Operation(
        name="datasets_list",
        title="List datasets",
        area="datasets",
        method="GET",
        path="datasets/",
        input_model=s.DatasetsList,
        example={"limit": 1},
        scopes=("dataset:read",),
        description=(
            "List the project's datasets (name and id of each) as a page of {id, name}. Page with `limit` and "
            "`offset` while `next` is not null."
        ),
        output_model=s.DatasetPage,
    ),
)
"""

ROUTE = """

DATASETS = [{"id": "d5000000-0000-4000-8000-000000000001", "name": "Support tickets"}]


async def list_datasets(ctx: RequestContext) -> Response:
    envelope, page = paginate(DATASETS, ctx.query, ctx.url)
    return JSONResponse({**envelope, "results": page})


ROUTES.append(route("datasets", GET=Operation(list_datasets, "dataset:read")))
"""
ROUTE_IMPORTS = (
    "from starlette.responses import Response\n\nfrom ..routing import",
    "from starlette.responses import JSONResponse, Response\n\n"
    "from ..pagination import paginate\nfrom ..routing import",
)


def run(args: list[str | Path], cwd: Path) -> str:
    """Run one command; its output is returned, and shown when it fails."""
    print("$", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run(  # noqa: S603 (the script's own commands)
        args, cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    if completed.returncode != 0:
        print(completed.stdout[-20000:])
        raise SystemExit(f"failed with exit status {completed.returncode}: {args[0]}")
    return completed.stdout


def edit(path: Path, imports: tuple[str, str] | None, append: str, *, replace_tail: str | None = None) -> None:
    text = path.read_text(encoding="utf-8")
    if imports is not None:
        assert imports[0] in text, f"{path}: expected import not found"
        text = text.replace(imports[0], imports[1], 1)
    if replace_tail is not None:
        assert text.endswith(replace_tail), f"{path}: unexpected ending"
        text = text[: -len(replace_tail)]
    path.write_text(text + append, encoding="utf-8")


def copy_tree(destination: Path) -> None:
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO).split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def add_throwaway_operation(copy: Path) -> None:
    """The README's steps 1-3."""
    edit(copy / "schemas/datasets.py", SCHEMA_IMPORTS, SCHEMA)
    edit(copy / "tools/datasets.py", None, ENTRY, replace_tail=")\n")
    edit(copy / "sandbox/routes/datasets.py", ROUTE_IMPORTS, ROUTE)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="add-operation-") as tmp:
        copy = Path(tmp) / "repo"
        copy.mkdir()
        copy_tree(copy)
        git = ["git", "-c", "user.name=proof", "-c", "user.email=proof@example.invalid"]
        run(["git", "init", "-q"], copy)
        run(["git", "add", "-A"], copy)
        run([*git, "commit", "-q", "-m", "the tree as it is"], copy)

        run([sys.executable, "-m", "venv", ".venv"], copy)
        python = copy / ".venv/bin/python"
        run([python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"], copy)

        add_throwaway_operation(copy)
        run([python, "-m", "posthog_environments_mcp.server.definitions.manifest"], copy)
        run([python, "-m", "posthog_environments_mcp.server.definitions.manifest", "--check"], copy)

        status = run(["git", "status", "--porcelain"], copy)
        changed = {line[3:] for line in status.splitlines()}
        assert changed == EXPECTED_CHANGES, f"files changed beyond the README's steps: {sorted(changed)}"
        manifest = (copy / "server/definitions/tool_manifest.json").read_text(encoding="utf-8")
        assert '"name": "datasets_list"' in manifest, "the generator did not publish the new tool"
        assert "| `datasets_list` | GET | `datasets/` |" in (copy / "README.md").read_text(encoding="utf-8")

        run([copy / ".venv/bin/ruff", "check", "."], copy)
        run([copy / ".venv/bin/ruff", "format", "--check", "."], copy)
        run([copy / ".venv/bin/pyright"], copy)
        tested = run(
            [
                python,
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                "--ignore=tests/test_packaging.py",
                "--ignore=tests/e2e/test_inspector.py",
            ],
            copy,
        )
        print(tested.strip().splitlines()[-1])
        assert run(["git", "status", "--porcelain"], copy) == status, "the test run changed files in the copy"
    print("Adding an operation touched only:", ", ".join(sorted(EXPECTED_CHANGES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
