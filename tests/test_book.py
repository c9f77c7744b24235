"""Structure of the book: every chapter follows the template and is listed in the table of contents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
BIB_KEYS = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "chapters" / "references.bib").read_text()))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_every_notebook_is_in_the_table_of_contents():
    listed = set(toc_files())
    for nb in NOTEBOOKS:
        assert f"chapters/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".ipynb", ".md")), entry


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(nb):
    all_cells = cells(nb)
    markdown = "\n".join(text(c) for c in all_cells if c["cell_type"] == "markdown")
    code = [text(c) for c in all_cells if c["cell_type"] == "code"]
    assert markdown.lstrip().startswith("# "), "a chapter starts with its title"
    assert "Learning goals" in markdown
    assert any("torch" in c and "assert" in c for c in code), "no validation cell (torch + assert)"
    assert markdown.count("```{exercise}") >= 2, "at least two exercises"
    labels = re.findall(r"```\{exercise\}\n:label: ([\w-]+)", markdown)
    solutions = re.findall(r"```\{solution\} ([\w-]+)\n:class: dropdown", markdown)
    assert sorted(labels) == sorted(solutions), "every exercise has a hidden (dropdown) solution"
    cited = set(re.findall(r"\{cite:[pt]\}`([^`]+)`", markdown))
    cited = {key.strip() for group in cited for key in group.split(",")}
    assert cited, "a chapter cites its sources"
    assert cited <= BIB_KEYS, f"unknown citation keys: {cited - BIB_KEYS}"
    assert "References" in markdown


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(nb):
    data = json.loads(nb.read_text())
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
                "store notebooks without outputs: the build executes them"
            )


def test_exercise_labels_are_unique_across_the_book():
    labels = [
        label
        for nb in NOTEBOOKS
        for label in re.findall(r":label: ([\w-]+)", "\n".join(text(c) for c in cells(nb)))
    ]
    assert len(labels) == len(set(labels))


def test_requirements_install_convkit_and_pin_torch():
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-e ." in requirements or "." in requirements
    assert "torch==2.13.0" in requirements
    assert not any(line.startswith("torchvision") for line in requirements)
    pins = [line for line in requirements if line and not line.startswith(("#", "-"))]
    assert all("==" in line for line in pins), "pin every requirement"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_chapter_starts_with_the_current_setup_cell():
    """The install cell is generated from _config.yml's repository.url (scripts/setup_cell.py)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "setup_cell.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for nb in NOTEBOOKS:
        first_code = next(c for c in cells(nb) if c["cell_type"] == "code")
        assert text(first_code).startswith("# Set-up: installs convkit"), nb.name
        assert "hide-input" in first_code["metadata"].get("tags", []), nb.name


def torch_calls(nb: Path) -> set[str]:
    """``F.name`` and ``nn.Name`` for every torch.nn(.functional) call in a chapter's code and inline code."""
    all_cells = cells(nb)
    sources = [text(c) for c in all_cells if c["cell_type"] == "code"]
    sources += [span for c in all_cells if c["cell_type"] == "markdown"
                for span in re.findall(r"`([^`\n]+)`", text(c))]
    calls = set()
    for source in sources:
        calls |= {f"F.{name}" for name in re.findall(r"(?<![\w.])(?:torch\.nn\.functional|F)\.(\w+)", source)}
        calls |= {f"nn.{name}" for name in re.findall(r"(?<![\w])nn\.([A-Z]\w*)", source)}
    return calls


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_torch_map_lists_every_torch_call_of_the_chapter(nb):
    page = (ROOT / "chapters" / "torch_map.md").read_text()
    listed = set(re.findall(r"`((?:F|nn)\.\w+)", page))
    missing = torch_calls(nb) - listed
    assert not missing, f"add a row for {sorted(missing)} to chapters/torch_map.md"
    assert f"{{doc}}`{nb.stem}`" in page or not torch_calls(nb), f"torch_map.md never links {nb.stem}"


def test_landing_page_maps_every_chapter_and_only_those():
    intro = (ROOT / "intro.md").read_text()
    chapter_map = intro.split("## Chapter map", 1)[1].split("\n## ", 1)[0]
    mapped = re.findall(r"\{doc\}`(chapters/\w+)`", chapter_map)
    listed = toc_files()
    assert sorted(set(mapped)) == sorted(listed), (
        f"intro.md's chapter map: add {sorted(set(listed) - set(mapped))}, "
        f"remove {sorted(set(mapped) - set(listed))}"
    )
    assert mapped == listed, (
        "intro.md's chapter map lists the chapters in the order of _toc.yml"
    )
