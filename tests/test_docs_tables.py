"""`modelreg docs tables`: the committed docs/models/ is what the command writes now (the snapshot), the pages
parse as Markdown tables, and their rows say what the registry says."""

from __future__ import annotations

import re
from pathlib import Path

import markdown_it  # markdown-it-py comes with rich, a dependency: imported, never skipped
import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.cli import app
from modelreg.export import capabilities_py, docs_tables

runner = CliRunner()
COMMITTED = Path(__file__).parent.parent / "docs" / "models"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "models"
    result = runner.invoke(app, ["docs", "tables", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.md"))}


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table of a page as GitHub-flavoured Markdown reads it: (header cells, body rows), as inline text."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[tuple[list[str], list[list[str]]]] = []
    row: list[str] = []
    in_head = in_cell = False
    for token in tokens:
        if token.type == "table_open":
            tables.append(([], []))
        elif token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and in_cell:
            row.append(token.content)
        elif token.type == "tr_close":
            if in_head:
                tables[-1][0].extend(row)
            else:
                tables[-1][1].append(row)
    return tables


def test_the_committed_pages_are_what_the_command_writes_now(generated: Path) -> None:
    """The snapshot: docs/models/ is fresh (else run `modelreg docs tables --out docs/models`)."""
    committed, fresh = _files(COMMITTED), _files(generated)
    assert sorted(committed) == sorted(fresh)
    stale = [rel for rel in fresh if committed[rel] != fresh[rel]]
    assert not stale, f"stale pages: {stale}; run `modelreg docs tables --out docs/models`"


def test_running_twice_changes_nothing_and_check_passes(generated: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in generated.rglob("*.md")}
    again = runner.invoke(app, ["docs", "tables", "--out", str(generated)])
    assert again.exit_code == 0 and "already fresh" in again.output
    assert {p: p.stat().st_mtime_ns for p in generated.rglob("*.md")} == before
    check = runner.invoke(app, ["docs", "tables", "--out", str(generated), "--check"])
    assert check.exit_code == 0 and "is fresh" in check.output


def test_check_lists_stale_pages_and_the_write_removes_only_its_own_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "models"
    assert runner.invoke(app, ["docs", "tables", "--out", str(out)]).exit_code == 0
    (out / "providers" / "openai.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "providers" / "gone.md").write_text(docs_tables.HEADER + "\n# a provider no longer there\n")
    (out / "notes.md").write_text("# our own notes\n", encoding="utf-8")

    check = runner.invoke(app, ["docs", "tables", "--out", str(out), "--check"])
    assert check.exit_code == 1
    assert check.stdout == ""
    assert check.stderr.startswith("error: ") and check.stderr.count("\n") == 1
    assert "providers/openai.md" in check.stderr and "providers/gone.md" in check.stderr
    assert "notes.md" not in check.stderr

    result = runner.invoke(app, ["docs", "tables", "--out", str(out)])
    assert result.exit_code == 0 and "2 page(s)" in result.output
    assert not (out / "providers" / "gone.md").exists() and (out / "notes.md").exists()
    assert runner.invoke(app, ["docs", "tables", "--out", str(out), "--check"]).exit_code == 0


def test_every_page_opens_with_the_generated_header(generated: Path) -> None:
    for rel, text in _files(generated).items():
        assert text.startswith(docs_tables.HEADER), rel
        assert "modelreg docs tables" in text.splitlines()[0] and "do not edit" in text.splitlines()[0]


def test_every_table_parses_with_one_cell_per_column(generated: Path) -> None:
    for rel, text in _files(generated).items():
        blocks = [block.splitlines() for block in text.split("\n\n") if block.startswith("| ")]
        tables = _tables(text)
        assert len(tables) == len(blocks), rel  # every block of rows is a table to a Markdown parser
        for (head, body), block in zip(tables, blocks, strict=True):
            assert len(body) == len(block) - 2, rel  # the header and the rule
            widths = {len(re.split(r"(?<!\\)\|", line)) for line in block}  # unescaped pipes only
            assert widths == {len(head) + 2}, (rel, block[0])


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google", "xai", "mistral", "meta", "ollama"])
def test_a_provider_page_has_one_row_per_model_newest_first(
    generated: Path, registry: modelreg.Registry, provider: str
) -> None:
    models = {m.name: m for m in registry.models(provider=provider)}
    (head, body), *_rest = _tables((generated / "providers" / f"{provider}.md").read_text(encoding="utf-8"))
    assert head == list(docs_tables.MODEL_COLUMNS)
    names = [row[0].strip("`") for row in body]
    assert sorted(names) == sorted(models)

    dates = [row[1] for row in body]
    dated = [d for d in dates if d != docs_tables.NONE]
    assert dates == dated + [docs_tables.NONE] * (len(dates) - len(dated))  # undated last
    assert dated == sorted(dated, reverse=True)

    first_check = head.index("Tools")
    for row in body:
        model = models[row[0].strip("`")]
        have = {c.value for c in model.capabilities}
        for (key, label), cell in zip(docs_tables.MAIN_CAPABILITIES, row[first_check:], strict=True):
            assert cell == ("✓" if key in have else ""), (model.id, label)
        assert row[2] == model.lifecycle.status.value
        context = model.limits.context_window
        assert row[3] == (f"{context:,}" if context else docs_tables.NONE)
        prices = (model.pricing.input, model.pricing.output, model.pricing.cache_read)
        for cell, price in zip(row[5:8], prices, strict=True):
            if price is None:
                assert cell == docs_tables.NONE, (model.id, cell)
            else:
                assert cell.startswith("$"), (model.id, cell)


def test_prices_are_exact_and_unknown_is_never_zero(generated: Path, registry: modelreg.Registry) -> None:
    (_head, body), *_rest = _tables((generated / "providers" / "openai.md").read_text(encoding="utf-8"))
    rows = {row[0].strip("`"): row for row in body}
    assert rows["gpt-4o"][5:8] == ["$2.50", "$10.00", "$1.25"]
    assert rows["gpt-4o"][3:5] == ["128,000", "16,384"]
    unpriced = [m.name for m in registry.models(provider="openai") if m.pricing.input is None]
    assert unpriced and all(rows[name][5] == docs_tables.NONE for name in unpriced)


def test_the_index_lists_every_provider_with_its_count(generated: Path, registry: modelreg.Registry) -> None:
    (head, body), *_rest = _tables((generated / "README.md").read_text(encoding="utf-8"))
    assert head[:3] == ["Provider", "Id", "Models"]
    counts = {row[1].strip("`"): int(row[2]) for row in body}
    expected: dict[str, int] = {}
    for model in registry.models():
        expected[model.provider] = expected.get(model.provider, 0) + 1
    assert counts == expected
    for provider in counts:
        assert (generated / "providers" / f"{provider}.md").is_file()


def test_the_capability_matrix_agrees_with_the_provider_pages(generated: Path, registry: modelreg.Registry) -> None:
    tables = _tables((generated / "capabilities.md").read_text(encoding="utf-8"))
    (_summary_head, summary), (grid_head, grid) = tables
    matrix = registry.capability_matrix(include_deprecated=True)
    assert {row[0].strip("`"): int(row[1]) for row in summary} == {
        c.value: len(matrix.get(c.value, [])) for c in modelreg.Capability
    }
    by_label = dict(docs_tables.MAIN_CAPABILITIES)
    for row in grid:
        provider = row[0].split("](providers/")[1].removesuffix(".md)")
        (head, body), *_rest = _tables((generated / "providers" / f"{provider}.md").read_text(encoding="utf-8"))
        assert int(row[1]) == len(body)
        for capability, cell in zip(grid_head[2:], row[2:], strict=True):
            if capability in by_label:
                column = head.index(by_label[capability])
                assert int(cell or 0) == sum(1 for r in body if r[column] == "✓"), (provider, capability)


def test_the_backends_page_has_seed_000s_three_tables(generated: Path, registry: modelreg.Registry) -> None:
    text = (generated / "backends.md").read_text(encoding="utf-8")
    backends = capabilities_py.backends(registry)
    features, details, unmapped = _tables(text)
    assert features[0] == ["Feature", *(b.provider_name for b in backends)]
    assert [row[0].strip("*") for row in features[1]][:3] == ["Web Search", "Code Execution", "Bash/Shell"]
    assert details[0] == ["Backend", "Provider", "Models", "Built-in Tools", "Filesystem", "API Key Required"]
    assert [row[0].strip("`") for row in details[1]] == [b.backend_type for b in backends]
    for b in backends:
        assert f"### {b.provider_name} (`{b.backend_type}`)" in text
        assert f"- `{b.default_model}`" in text
    assert {row[0].strip("`") for row in unmapped[1]} == {p for p, _why in capabilities_py.unmapped(registry)}
    assert "## Capabilities by backend" in text
