"""The CLI as people run it: the installed `modelreg` script in a new process, its stdout a pipe (or a
terminal, where that matters), errors and warnings one line on stderr, exit codes 0 / 1 / 2."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import modelreg
from modelreg.cli import fast, helptext
from tests.conftest import PG_ADMIN_URL, _postgres_or_skip

MODELREG = str(Path(sys.executable).parent / "modelreg")
TYPER_ONLY = "import sys; from modelreg.cli import typer_app; typer_app()(prog_name='modelreg')"


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`modelreg ARGS` with stdout and stderr pipes, a narrow COLUMNS (nothing may wrap or be cut)."""
    return subprocess.run(
        [MODELREG, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "40", **(env or {})},
    )


def run_typer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The same command line through the typer app only (never the fast path)."""
    return subprocess.run(
        [sys.executable, "-c", TYPER_ONLY, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "40", **(env or {})},
    )


def rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


# -- pipes ---------------------------------------------------------------------------------------------------


def test_a_piped_list_is_tab_separated_with_full_ids_and_plain_numbers(registry: modelreg.Registry) -> None:
    result = run("list", "--provider", "anthropic")
    assert result.returncode == 0, result.stderr
    header, *lines = rows(result.stdout)
    assert header == ["id", "context", "max out", "in $/1M", "out $/1M", "price from", "status"]
    assert all(len(line) == len(header) for line in lines)
    assert [line[0] for line in lines] == [m.id for m in registry.models(provider="anthropic")]
    assert "…" not in result.stdout
    assert all(line.startswith("note: ") for line in result.stderr.splitlines())  # notes only, no warnings
    sonnet = next(line for line in lines if line[0] == "anthropic/claude-sonnet-4-5-20250929")
    model = registry.get("anthropic/claude-sonnet-4-5-20250929")
    assert sonnet[1] == str(model.limits.context_window)  # 200000, not "200K"
    assert sonnet[3] == format(model.pricing.input, "f")


def test_a_piped_cost_is_parts_and_total_with_notes_on_stderr() -> None:
    result = run("cost", "claude-sonnet-4-5", "--input", "250000", "--cached", "100000", "--output", "2000")
    assert result.returncode == 0, result.stderr
    parts = dict(line for line in rows(result.stdout)[1:])
    json_parts = modelreg.cost("claude-sonnet-4-5", input_tokens=250000, cache_read_tokens=100000, output_tokens=2000)
    assert parts["total"] == format(json_parts.total.normalize(), "f")
    assert "note: prompt above 200K: long-context prices" in result.stderr.splitlines()


def test_a_piped_show_is_field_tab_value_then_the_routes_table() -> None:
    result = run("show", "azure/gpt-4o")
    assert result.returncode == 0, result.stderr
    facts, routes = result.stdout.split("\n\n")
    fields = dict(line.split("\t") for line in facts.splitlines())
    assert fields["id"] == "openai/gpt-4o" and fields["input"] == "$2.50 / 1M tokens"
    header, *served = rows(routes)
    assert header[:2] == ["platform", "model string"]
    assert ["azure", "gpt-4o", "2.5", "10", "eu, us", "10"] in served


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    proc = subprocess.Popen([MODELREG, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith("id\t")
    proc.stdout.close()  # like `modelreg list | head -1`
    assert proc.wait(timeout=60) in (0, 1)
    assert "Traceback" not in proc.stderr.read()


def _at_a_terminal(*args: str) -> str:
    """Run `modelreg ARGS` with stdout on a pseudo-terminal 200 columns wide; what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [MODELREG, *args], stdout=follower, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"}
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_at_a_terminal_tables_are_drawn_for_people() -> None:
    drawn = _at_a_terminal("cost", "gpt-4o", "--input", "1000", "--output", "500")
    assert "┃" in drawn or "│" in drawn  # a rich table, not tab-separated text
    assert "$" not in drawn and "0.0075" in drawn and "\t" not in drawn
    listed = _at_a_terminal("list", "--provider", "anthropic")
    assert "anthropic/claude-sonnet-4-5-20250929" in listed and "200K" in listed and "…" not in listed


# -- filters -------------------------------------------------------------------------------------------------


def test_filters_ignore_letter_case() -> None:
    typed = run("list", "--provider", "OpenAI", "--family", "GPT")
    exact = run("list", "--provider", "openai", "--family", "gpt")
    assert typed.returncode == exact.returncode == 0
    assert typed.stdout == exact.stdout and len(rows(typed.stdout)) > 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--provider", "opnai"], "error: no provider named 'opnai'. Did you mean: openai?"),
        (["list", "--family", "claud"], "error: no family named 'claud'. Did you mean: claude?"),
        (["find", "-r", "toolz"], "error: no capability named 'toolz'. Did you mean: tools?"),
        (["find", "--platform", "bedrok"], "error: no platform named 'bedrok'. Did you mean: bedrock"),
    ],
)
def test_a_filter_naming_something_unknown_says_so(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


# -- errors, warnings, exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["show", "gpt4o"],
        ["resolve", "gpt-9-ultra"],
        ["cost", "gpt4o", "--input", "10"],
        ["cost", "gpt-4o", "--input", "10", "--cached", "20"],
        ["compare", "gpt-4o", "gpt4o"],
    ],
)
def test_errors_are_one_line_on_stderr_with_exit_1(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


@pytest.mark.parametrize(
    "args",
    [["cost", "gpt-4o", "--input", "-5"], ["cost"], ["no-such-command"], ["show", "gpt-4o", "--bogus"], []],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"modelreg {modelreg.__version__}\n")


def test_help_lists_every_command_and_documents_the_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    commands = run_typer("--help")  # the typer app's own listing of its commands
    assert commands.stdout == result.stdout
    for _area, entries in helptext.COMMANDS:
        for name, summary in entries:
            assert f"  {name} " in result.stdout and summary in result.stdout
    assert "Exit codes:" in result.stdout and "  2  usage" in result.stdout


def test_help_summaries_are_each_commands_first_help_line() -> None:
    import typer

    from modelreg.cli import typer_app

    group = typer.main.get_command(typer_app())
    listed = {name: summary for _area, entries in helptext.COMMANDS for name, summary in entries}
    assert set(listed) == set(group.commands)  # type: ignore[attr-defined]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert (command.help or "").splitlines()[0] == listed[name], name


@pytest.fixture()
def deprecated_store(tmp_path: Path) -> Iterator[str]:
    """A store in which openai/gpt-4o was deprecated on a day that has passed, replaced by openai/gpt-4.1."""
    url = f"sqlite:///{tmp_path / 'deprecated.sqlite3'}"
    reg = modelreg.load(database_url=url)
    lifecycle = {"status": "deprecated", "deprecation_date": "2025-01-01", "replacement": "openai/gpt-4.1"}
    reg.update("model", "openai/gpt-4o", {"lifecycle": lifecycle}, version=0, actor="tests")
    assert reg.store is not None
    reg.store.close()
    yield url


@pytest.mark.parametrize("args", [["resolve", "gpt-4o"], ["cost", "gpt-4o", "--input", "5"], ["show", "gpt-4o"]])
def test_a_deprecated_model_warns_in_one_line_without_file_paths(deprecated_store: str, args: list[str]) -> None:
    result = run(*args, env={"MODELREG_DATABASE_URL": deprecated_store})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("warning: openai/gpt-4o is deprecated since 2025-01-01; use openai/gpt-4.1 instead\n")


# -- the fast path -------------------------------------------------------------------------------------------

SAME_ANSWERS = [
    ["--help"],
    ["--version"],
    ["show", "openai/gpt-4o"],
    ["show", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["show", "gpt-4o", "--json"],
    ["show", "gpt4o"],
    ["resolve", "apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "--explain"],
    ["resolve", "--json", "openrouter/openai/gpt-4o"],
    ["resolve", "gpt-9-ultra"],
    ["cost", "claude-sonnet-4-5", "--input", "250000", "--cached", "100000", "--output=2000", "--batch"],
    ["cost", "gpt-4o", "--input", "1000", "--reasoning", "0", "--cache-write", "0", "--json"],
    ["cost", "gpt-4o", "--input", "10", "--cached", "20"],
    ["cost", "--", "gpt-4o"],
]


@pytest.mark.parametrize("args", SAME_ANSWERS, ids=" ".join)
def test_the_fast_path_prints_what_the_typer_command_prints(args: list[str]) -> None:
    assert fast.parse(args) is not None  # the console script answers this without typer
    quick, typed = run(*args), run_typer(*args)
    assert (quick.returncode, quick.stdout, quick.stderr) == (typed.returncode, typed.stdout, typed.stderr)


def test_the_fast_path_warns_like_the_typer_command(deprecated_store: str) -> None:
    env = {"MODELREG_DATABASE_URL": deprecated_store}
    quick, typed = run("show", "gpt-4o", env=env), run_typer("show", "gpt-4o", env=env)
    assert (quick.stdout, quick.stderr) == (typed.stdout, typed.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "--help"],
        ["show"],
        ["show", "a", "b"],
        ["cost", "gpt-4o", "--input", "-5"],
        ["cost", "gpt-4o", "--input", "ten"],
        ["cost", "gpt-4o", "--input", "1_000"],
        ["cost", "gpt-4o", "--input"],
        ["cost", "gpt-4o", "--at", "2025-01-01"],
        ["resolve", "gpt-4o", "--json=yes"],
        ["--help", "show"],
    ],
)
def test_the_fast_path_leaves_everything_else_to_typer(args: list[str]) -> None:
    assert fast.parse(args) is None


def test_the_fast_path_options_are_the_typer_commands_options() -> None:
    import typer

    from modelreg.cli import typer_app

    group = typer.main.get_command(typer_app())
    for name, spec in fast.SPECS.items():
        command = group.commands[name]  # type: ignore[attr-defined]
        options = {opt for p in command.params if p.param_type_name == "option" for opt in p.opts}
        assert options - {"--help"} == set(spec.counts) | set(spec.flags), name
        arguments = [p.name for p in command.params if p.param_type_name == "argument"]
        assert arguments == [spec.argument], name


@pytest.mark.parametrize("args", [["show", "gpt-4o"], ["resolve", "gpt-4o"], ["cost", "gpt-4o"], ["--help"]])
def test_the_fast_path_imports_neither_typer_nor_pydantic_nor_rich(args: list[str]) -> None:
    probe = (
        "import sys; from modelreg.cli import fast; code = fast.run(sys.argv[1:]); "
        "print(sorted(m for m in ('typer', 'pydantic', 'rich') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
    assert result.stderr.splitlines()[-1] == "[]"


# -- a store that cannot be used ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """A port where a TCP server accepts connections and never says a word (a hung database)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


BAD_URLS = {
    "garbage": lambda: "not a url at all",
    "unsupported scheme": lambda: "mysql://user@127.0.0.1/registry",
    "unknown host": lambda: "postgresql://postgres@no-such-host.invalid/registry",
    "closed port": lambda: f"postgresql://postgres@127.0.0.1:{_closed_port()}/registry",
    "missing database": lambda: PG_ADMIN_URL.rsplit("/", 1)[0] + "/modelreg_no_such_database",
    "a server that never answers": None,
}


@pytest.mark.parametrize("case", list(BAD_URLS))
@pytest.mark.parametrize("args", [["resolve", "gpt-4o"], ["list"]])  # the fast path, the typer app
def test_a_bad_database_url_is_one_error_line(case: str, args: list[str], silent_server: int) -> None:
    if case == "missing database":
        _postgres_or_skip().close()
    make = BAD_URLS[case]
    url = make() if make else f"postgresql://postgres@127.0.0.1:{silent_server}/registry?connect_timeout=2"
    started = time.monotonic()
    result = run(*args, env={"MODELREG_DATABASE_URL": url}, timeout=30)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "secret" not in result.stderr
    if make is None:
        assert 1.5 < elapsed < 15  # the connect timeout of the URL, not a hang
    else:
        assert elapsed < 15


def test_a_password_in_a_bad_url_is_never_printed() -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{_closed_port()}/registry"
    result = run("resolve", "gpt-4o", env={"MODELREG_DATABASE_URL": url})
    assert result.returncode == 1 and "secret" not in result.stderr and "***" in result.stderr


def test_the_readme_names_real_commands_and_the_exit_codes_of_the_help() -> None:
    import typer

    from modelreg.cli import typer_app

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    commands = set(typer.main.get_command(typer_app()).commands)  # type: ignore[attr-defined]
    shell = "\n".join(readme.split("```sh")[i].split("```")[0] for i in range(1, readme.count("```sh") + 1))
    named = {line.split()[1] for line in shell.splitlines() if line.startswith("modelreg ")}
    assert named - {"--version"} <= commands and len(named) >= 5
    for code, meaning in helptext.EXIT_CODES:
        assert f"| {code} |" in readme, meaning


def test_show_reads_the_stored_form_as_the_schema_does(registry: modelreg.Registry) -> None:
    """`show` renders records in their stored form (defaults left out) without pydantic; for every model
    and route of the catalog it must print what the full schema object says."""
    import datetime as dt

    from modelreg.cli import answers

    today = dt.date(2026, 1, 1)
    for model in registry.models():
        stored = list(answers.model_facts(registry.record("model", model.id), today))
        assert stored == list(answers.model_facts(model.model_dump(mode="json"), today)), model.id
    for route in registry.routes():
        assert answers.route_row(registry.record("route", route.id)) == answers.route_row(route.model_dump(mode="json"))
