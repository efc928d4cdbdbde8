"""The CLI, driven through typer's runner as a user would type it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from modelreg.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


def test_show_prints_context_and_prices_per_million() -> None:
    result = runner.invoke(app, ["show", "openai/gpt-4o"])
    assert result.exit_code == 0, result.output
    assert "128K" in result.output
    assert "$2.50 / 1M tokens" in result.output and "$10.00 / 1M tokens" in result.output
    assert "azure" in result.output  # the routes table


def test_show_accepts_any_known_name() -> None:
    result = runner.invoke(app, ["show", "anthropic.claude-sonnet-4-5-20250929-v1:0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "anthropic/claude-sonnet-4-5-20250929"
    assert data["pricing"]["input"] == "3" and any(r["platform"] == "bedrock" for r in data["routes"])


def test_show_unknown_model_fails_with_suggestions() -> None:
    result = runner.invoke(app, ["show", "gpt4o"])
    assert result.exit_code == 1
    assert "openai/gpt-4o" in result.output


def test_list_filters_and_prints_a_table() -> None:
    result = runner.invoke(app, ["list", "--provider", "anthropic", "--capability", "reasoning"])
    assert result.exit_code == 0, result.output
    assert "claude-sonnet-4-5-20250929" in result.output and "gpt-4o" not in result.output


def test_list_json_is_machine_readable() -> None:
    result = runner.invoke(app, ["list", "--family", "o-series", "--json"])
    assert result.exit_code == 0
    models = json.loads(result.output)
    assert models and {m["family"] for m in models} == {"o-series"}


def test_list_rejects_an_unknown_capability_with_suggestions() -> None:
    result = runner.invoke(app, ["list", "--capability", "visoin"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: no capability named 'visoin'. Did you mean: vision?\n"


def test_catalog_stats_and_conflicts() -> None:
    stats = json.loads(runner.invoke(app, ["catalog", "stats", "--json"]).output)
    assert stats["models"] > 1000 and stats["routes"] > 1500 and stats["conflicts"] > 0
    conflicts = json.loads(runner.invoke(app, ["catalog", "conflicts", "--json"]).output)
    assert len(conflicts) == stats["conflicts"]
    one = conflicts[0]
    assert one["chosen"] in one["values"]
    table = runner.invoke(app, ["catalog", "conflicts", "--subject", one["subject"]])
    assert table.exit_code == 0 and one["field"] in table.output


def test_catalog_check_passes_on_the_committed_catalog(upstream_dir: Path) -> None:
    result = runner.invoke(app, ["catalog", "build", "--check", "--upstream", str(upstream_dir)])
    assert result.exit_code == 0, result.output
    assert "fresh" in result.output


def test_catalog_build_fails_clearly_without_snapshots(tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "check", "--upstream", str(tmp_path)])
    assert result.exit_code == 1
    assert "upstream snapshot not found" in result.output


def test_help_teaches() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("list", "show", "catalog"):
        assert command in result.output
    assert "Example: modelreg show openai/gpt-4o" in runner.invoke(app, ["show", "--help"]).output


def test_resolve_explains_the_rule() -> None:
    result = runner.invoke(app, ["resolve", "apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "--explain"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "anthropic/claude-sonnet-4-5-20250929"
    assert "rule:" in result.output and "bedrock" in result.output and "region apac" in result.output


def test_resolve_json_and_unknown() -> None:
    data = json.loads(runner.invoke(app, ["resolve", "openrouter/openai/gpt-4o", "--json"]).output)
    assert data["model"] == "openai/gpt-4o" and data["route"] == "openrouter/openai/gpt-4o"
    failed = runner.invoke(app, ["resolve", "gpt4o"])
    assert failed.exit_code == 1 and "openai/gpt-4o" in failed.output


def test_cost_prints_exact_parts_and_total() -> None:
    result = runner.invoke(app, ["cost", "gpt-4o", "--input", "1000", "--output", "500", "--json"])
    assert result.exit_code == 0, result.output
    parts = json.loads(result.output)
    assert parts["input"] == "0.0025" and parts["output"] == "0.005" and parts["total"] == "0.0075"
    table = runner.invoke(app, ["cost", "claude-sonnet-4-5", "--input", "250000", "--cached", "100000"])
    assert "long-context" in table.output and "total" in table.output


def test_cost_refuses_bad_counts() -> None:
    assert runner.invoke(app, ["cost", "gpt-4o", "--input", "-5"]).exit_code == 2
    bad = runner.invoke(app, ["cost", "gpt-4o", "--input", "10", "--cached", "20"])
    assert bad.exit_code == 1 and "do not add up" in bad.output


def test_store_commands_history_revert_export_import(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {"COLUMNS": "200", "MODELREG_DATABASE_URL": url, "MODELREG_ACTOR": "tester"}
    import modelreg

    reg = modelreg.load(database_url=url)
    reg.update("model", "openai/gpt-4o", {"description": "noted"}, version=0, actor="alice", message="a note")
    shown = runner.invoke(app, ["history", "openai/gpt-4o", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    changes = json.loads(shown.output)
    assert changes[0]["actor"] == "alice" and changes[0]["message"] == "a note"
    exported = tmp_path / "store.yaml"
    assert runner.invoke(app, ["store", "export", str(exported)], env=env).exit_code == 0
    assert "openai/gpt-4o" in exported.read_text(encoding="utf-8")
    reverted = runner.invoke(app, ["revert", str(changes[0]["id"])], env=env)
    assert reverted.exit_code == 0, reverted.output
    assert modelreg.load(database_url=url).get("openai/gpt-4o").description is None
    imported = runner.invoke(app, ["store", "import", str(exported)], env=env)
    assert imported.exit_code == 0 and "1 updated" in imported.output
    assert modelreg.load(database_url=url).history("model", "openai/gpt-4o")[-1].actor == "tester"
    again = runner.invoke(app, ["store", "import", str(exported)], env=env)
    assert "0 updated" in again.output
    info = json.loads(runner.invoke(app, ["store", "info", "--json"], env=env).output)
    assert info["changes"] == 3
