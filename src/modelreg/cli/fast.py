"""The fast path: ``modelreg show|resolve|cost …``, ``--help`` and ``--version`` without importing typer.

Importing typer costs more than the whole answer (~60 ms of a ~100 ms budget, measured with
``python -X importtime``), so the console script reads these few command lines itself and prints through
the same functions the typer commands call (``cli.answers``, ``cli.helptext``). Anything it does not
recognise completely — another command, a command's ``--help``, an unknown option, a value that is not a
number, a negative count, a missing name — is left to typer, which answers it (and its usage errors)
as always. ``SPECS`` mirror the typer commands' options; a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from modelreg.cli import helptext, output
from modelreg.errors import ModelregError


class Spec(NamedTuple):
    """A command the fast path answers: the ``cli.answers`` function that prints it, its one argument,
    its options (option -> parameter)."""

    answer: str
    argument: str
    counts: dict[str, str]  # options taking a whole number >= 0
    flags: dict[str, str]  # options taking no value


SPECS = {
    "show": Spec("show", "name", {}, {"--json": "json_out"}),
    "resolve": Spec("resolve", "name", {}, {"--explain": "explain", "--json": "json_out"}),
    "cost": Spec(
        "cost",
        "model",
        {
            "--input": "input_tokens",
            "--output": "output_tokens",
            "--cached": "cache_read_tokens",
            "--cache-write": "cache_write_tokens",
            "--reasoning": "reasoning_tokens",
        },
        {"--batch": "batch", "--json": "json_out"},
    ),
}


def parse(argv: list[str]) -> Callable[[], None] | None:
    """What to run for ``argv`` (the arguments after ``modelreg``), or None to leave it to typer."""
    if argv == ["--help"]:
        return lambda: output.write(helptext.text())
    if argv == ["--version"]:
        return _answer("version")
    spec = SPECS.get(argv[0]) if argv else None
    if spec is None:
        return None
    arguments: list[str] = []
    options: dict[str, Any] = {}
    words = iter(argv[1:])
    for word in words:
        if word == "--":
            arguments += words
            break
        if not word.startswith("-") or word == "-":
            arguments.append(word)
            continue
        flag, equals, value = word.partition("=")
        if flag in spec.flags and not equals:
            options[spec.flags[flag]] = True
        elif flag in spec.counts:
            count = _count(value if equals else next(words, None))
            if count is None:
                return None
            options[spec.counts[flag]] = count
        else:
            return None  # --help, an unknown option, a flag given a value: typer says what is wrong
    if len(arguments) != 1:
        return None
    options[spec.argument] = arguments[0]
    return _answer(spec.answer, **options)


def _answer(function: str, /, **options: Any) -> Callable[[], None]:
    def answer() -> None:
        from modelreg.cli import answers

        getattr(answers, function)(**options)

    return answer


def _count(text: str | None) -> int | None:
    """A count written in plain digits, else None: anything else (``1_000``, ``+5``, `` 5``, ``-5``) is
    left to typer, so that it is accepted or refused exactly as typer does."""
    if text is None or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def run(argv: list[str]) -> int | None:
    """Answer ``argv`` without typer and return the exit code; None when typer must answer it."""
    answer = parse(argv)
    if answer is None:
        return None
    with output.plain_warnings():
        try:
            answer()
        except ModelregError as error:
            output.error(error)
            return 1
    return 0
