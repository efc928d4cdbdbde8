"""``modelreg --help``: the commands by area, the output conventions and the exit codes.

One text for both paths: the typer app's top-level help prints it (``common.Group``) and so does the
fast path, without importing typer. Each summary is its command's first help line (a test holds them
equal, so the two cannot drift apart).
"""

from __future__ import annotations

SUMMARY = "The single source of truth for LLMs: what a model string means, what it can do, what it costs."

COMMANDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Models",
        (
            (
                "show",
                "Show everything known about one model: limits, prices per 1M tokens, lifecycle, routes, sources.",
            ),
            ("resolve", "Print the canonical id a name means (and the route, for a platform's string)."),
            ("cost", "Price one call exactly, in USD, by kind of token."),
            ("list", "List models as a table: context window, output limit and prices per 1M tokens."),
            ("find", "Find models by capabilities, limits, price and where they are served."),
            ("compare", "Compare models side by side: limits, prices per 1M tokens, capabilities, status."),
            (
                "cheapest",
                "The cheapest ways to run one request, over makers' APIs and every platform, with the exact cost.",
            ),
            ("deprecations", "List models going away (deprecated or retired) soon, with their replacements."),
            (
                "verify",
                "Check the capabilities the registry claims for a model against its live API, and record the result.",
            ),
        ),
    ),
    (
        "Your own data",
        (
            ("history", "Show every stored change of one record: who, when, what, why."),
            ("revert", "Undo one change by writing a new one that restores what was there before it."),
            ("spend", "What the recorded calls cost, by model, platform, route or day, in USD."),
            (
                "register",
                "Register a model the registry does not know, from its name and one probe, flagged for review.",
            ),
            ("registered", "List the auto-registered models waiting for review; accept or reject them."),
            ("store", "The registry's own store: export, import, where it is."),
        ),
    ),
    (
        "Service",
        (
            (
                "serve",
                "Serve the registry over HTTP: the REST API under /api/registry, /docs, /healthz, /readyz, /metrics.",
            ),
            ("keys", "API keys for the service: create, list, revoke."),
            (
                "health",
                "Probe each platform's model list with its key; mark its routes degraded or down after failures.",
            ),
        ),
    ),
    (
        "Publishing",
        (
            (
                "export",
                "Write the registry in another tool's format: LiteLLM, models.dev, api.json, CSV, YAML.",
            ),
            ("import", "Read another tool's files into the store (model YAML per family)."),
            ("docs", "Generate the documentation tables from the registry."),
            (
                "publish",
                "Publish the registry to S3 in seed 001's layout: only what changed, the index last, snapshots kept.",
            ),
            (
                "generate-config",
                "Write a ready client config for one model: its limits, defaults and the env vars for the key.",
            ),
            (
                "quickstart",
                "Ask three questions (provider, need, budget), pick a model for them and write its config.",
            ),
            (
                "changelog",
                "New models, price changes and deprecations since a day, newest first: Markdown, JSON or RSS.",
            ),
        ),
    ),
    (
        "Catalog",
        (
            ("sync", "Pull models and prices from upstream into the store, with a reviewed diff."),
            ("catalog", "Build, check and inspect the bundled catalog."),
        ),
    ),
)

EXIT_CODES = (
    ("0", "ok"),
    ("1", "not found, invalid input or an unusable store: the reason is one `error:` line on stderr"),
    ("2", "usage: an unknown command or option, a missing argument, a bad value"),
    ("3", "sync: some sources failed (each named on stderr); the others were applied"),
)


def text() -> str:
    """The top-level help, without a trailing newline."""
    width = max(len(name) for _, commands in COMMANDS for name, _ in commands) + 2
    lines = ["Usage: modelreg [OPTIONS] COMMAND [ARGS]...", "", f"  {SUMMARY}", ""]
    for area, commands in COMMANDS:
        lines.append(f"{area}:")
        lines += [f"  {name.ljust(width)}{summary}" for name, summary in commands]
        lines.append("")
    lines += [
        "Options:",
        f"  {'--version'.ljust(width)}Print the version and exit.",
        f"  {'--help'.ljust(width)}Show this message and exit.",
        "",
        "Output: a table at a terminal; tab-separated values under a header line in a pipe or a file;",
        "  --json for every field. Errors and warnings go to stderr, one line each.",
        "",
        "Exit codes:",
        *(f"  {code}  {meaning}" for code, meaning in EXIT_CODES),
        "",
        "Run `modelreg COMMAND --help` for a command's options and an example.",
    ]
    return "\n".join(lines)
