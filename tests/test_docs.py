"""Executable docs: every shell, Python and YAML block of the README and docs runs as written.

A block runs unless the line just above its opening fence is a directive::

    <!-- docs: skip REASON -->    not run (the reason is required and shown in the test report)
    <!-- docs: slow REASON -->    run only with ``pytest -m slow``
    <!-- docs: file NAME -->      not run: its text is written to NAME in the work folder
    <!-- docs: needs PROGRAM -->  run only where PROGRAM (e.g. blender) is on the PATH

``bash`` blocks run in bash (``set -euo pipefail``; ``pip`` is a no-op there: the package is
already installed), ``python`` blocks in a fresh interpreter, both in one work folder per
document (holding copies of ``demos/``, ``configs/`` and ``benchmarks/``), in document order,
as a user pastes them; ``yaml`` blocks are parsed as scenarios. Untagged and ``text`` blocks
(signatures, layouts, synopses) are not code. ``MOTIONLGD_MAX_STEPS`` keeps sampling short.
Selecting one block alone (``-k``) can fail where it needs an earlier block's outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from motionlgd.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "demos/README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
COPIED = ("demos", "configs", "benchmarks")
MAX_STEPS = "4"
SKIPS_ALLOWED = 8  # "kept to a minimum": raise only with a reason in the docs

RUN_LANGS = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python", "yaml": "yaml"}
_FENCE = re.compile(r"^(\s*)```\s*([A-Za-z0-9_+-]*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*docs:\s*(skip|slow|file|needs)\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its document, first code line (1-based), language, code and directive."""

    doc: str
    line: int
    lang: str
    code: str
    directive: str = ""  # "", "skip", "slow", "file" or "needs"
    arg: str = ""  # the directive's reason or file name

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def read_blocks(path: Path, root: Path) -> list[Block]:
    """Every fenced block of ``path`` (relative names against ``root``), in order.

    Raises:
        ValueError: an unclosed fence, or a directive without its reason / file name.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = path.relative_to(root).as_posix()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(2).lower()
        j = i + 1
        while j < len(lines) and not _FENCE.match(lines[j]):
            j += 1
        if j == len(lines):
            raise ValueError(f"{doc}:{start + 1}: unclosed code fence")
        directive, arg = "", ""
        d = _DIRECTIVE.match(lines[start - 1].strip()) if start > 0 else None
        if d:
            directive, arg = d.group(1), d.group(2)
            if not arg:
                raise ValueError(f"{doc}:{start}: 'docs: {directive}' needs a reason or file name")
        out.append(Block(doc, start + 2, lang, "\n".join(lines[start + 1 : j]) + "\n", directive, arg))
        i = j + 1
    return out


def runnable(blocks: list[Block]) -> list[Block]:
    """The blocks a docs test handles (code languages; untagged and text blocks dropped)."""
    return [b for b in blocks if b.lang in RUN_LANGS]


def _all_blocks() -> list[Block]:
    return [b for doc in DOCS for b in runnable(read_blocks(ROOT / doc, ROOT))]


def _param(b: Block) -> object:
    marks = [pytest.mark.slow] if b.directive == "slow" else []
    return pytest.param(b, id=b.id, marks=marks)


_WORK: dict[str, Path] = {}


@pytest.fixture(scope="module")
def work_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs")


def _workdir(root: Path, doc: str) -> Path:
    """The document's work folder: created on its first block, with copies of the repo folders
    the docs name (so nothing a block writes lands in the checkout)."""
    if doc not in _WORK:
        work = root / doc.replace("/", "_").replace(".md", "")
        work.mkdir()
        for name in COPIED:
            shutil.copytree(ROOT / name, work / name, symlinks=False)
        _WORK[doc] = work
    return _WORK[doc]


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MOTIONLGD_MAX_STEPS=MAX_STEPS,
        MPLBACKEND="Agg",
        MOTIONLGD_CACHE=str(root / "cache"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(cmd: list[str], work: Path, env: dict[str, str], block: Block) -> None:
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        tail = re.sub(r"[^\n]*\r", "", proc.stdout + proc.stderr)[-3000:]  # progress bars: last state only
        pytest.fail(f"{block.id} ({block.lang}) exited {proc.returncode}:\n{block.code}\n--- output ---\n{tail}")


@pytest.mark.parametrize("block", [_param(b) for b in _all_blocks()])
def test_docs_block_runs_as_written(block: Block, work_root: Path) -> None:
    """Each block, in document order, in its document's work folder."""
    work = _workdir(work_root, block.doc)
    if block.directive == "skip":
        pytest.skip(f"docs say: {block.arg}")
    if block.directive == "needs" and shutil.which(block.arg) is None:
        pytest.skip(f"needs {block.arg}, which is not installed")
    if block.directive == "file":
        (work / block.arg).parent.mkdir(parents=True, exist_ok=True)
        (work / block.arg).write_text(block.code)
        if block.lang == "yaml":
            data = yaml.safe_load(block.code)
            if isinstance(data, dict) and "sweep" in data:  # a batch sweep: every job it expands to
                from motionlgd.batch import expand_spec

                assert expand_spec(work / block.arg)
            else:
                parse_scenario(data, source=block.arg)
        return
    kind = RUN_LANGS[block.lang]
    if kind == "yaml":
        parse_scenario(yaml.safe_load(block.code), source=block.id)
    elif kind == "bash":
        prelude = 'pip() { echo "docs test: pip $* (skipped: installed already)"; }\n'
        _run(["bash", "-euo", "pipefail", "-c", prelude + block.code], work, _env(work_root), block)
    else:
        _run([sys.executable, "-c", block.code], work, _env(work_root), block)


def test_directives_are_parsed_and_skips_kept_few(tmp_path: Path) -> None:
    doc = tmp_path / "d.md"
    doc.write_text(
        "text\n<!-- docs: skip needs a GPU -->\n```bash\nnvidia-smi\n```\n"
        "```python\nprint(1)\n```\n<!-- docs: file a.yaml -->\n```yaml\nprompt: x\n```\n```\nsignature\n```\n"
    )
    blocks = runnable(read_blocks(doc, tmp_path))
    assert [(b.line, b.lang, b.directive, b.arg) for b in blocks] == [
        (4, "bash", "skip", "needs a GPU"),
        (7, "python", "", ""),
        (11, "yaml", "file", "a.yaml"),
    ]
    doc.write_text("<!-- docs: skip -->\n```bash\nls\n```\n")
    with pytest.raises(ValueError, match="needs a reason"):
        read_blocks(doc, tmp_path)
    doc.write_text("```bash\nls\n")
    with pytest.raises(ValueError, match="unclosed"):
        read_blocks(doc, tmp_path)
    skipped = [b.id for b in _all_blocks() if b.directive == "skip"]
    assert len(skipped) <= SKIPS_ALLOWED, f"too many docs blocks marked skip: {skipped}"
