"""The bundled catalog: build, check, audit, conflicts, stats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from modelreg.cli import output
from modelreg.cli.common import JsonOption, catalog_app, print_json, registry
from modelreg.errors import CatalogError

UpstreamOption = Annotated[
    Path | None,
    typer.Option(
        "--upstream",
        help="Folder with the litellm/, models.dev/ and genai-prices/ snapshots "
        "(default: $MODELREG_UPSTREAM_DIR or ../shared/upstream).",
    ),
]


@catalog_app.command("build")
def catalog_build(
    upstream: UpstreamOption = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; fail if any generated file is stale.")] = False,
) -> None:
    """Rebuild the catalog YAML, conflicts and compiled index from the upstream snapshots and overrides.yaml.

    With --check nothing is written and the exit code is 1 when a file would change (run in CI).
    """
    from modelreg.catalog import build

    upstream_dir = upstream or build.default_upstream_dir()
    with _progress("building the catalog…") as progress:
        if check:
            stale = build.check(upstream_dir, progress=progress)
        else:
            result = build.build(upstream_dir, progress=progress)
    if check:
        if stale:
            raise CatalogError(
                f"the catalog is stale: {len(stale)} file(s) differ: {', '.join(stale[:10])}; "
                "run `modelreg catalog build` and commit the result"
            )
        output.write("the catalog is fresh")
        return
    c = result.catalog
    output.write(
        f"{len(c.models)} models, {len(c.routes)} routes, {len(c.providers)} providers, "
        f"{len(c.platforms)} platforms, {len(c.conflicts)} conflicts; "
        f"{len(result.written)} file(s) written"
    )


@contextmanager
def _progress(first: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the build's current step at a terminal; silence in a pipe."""
    if not output.to_terminal():
        yield lambda _step: None
        return
    with output.console().status(first) as status:
        yield status.update


@catalog_app.command("check")
def catalog_check(upstream: UpstreamOption = None) -> None:
    """Fail when the generated catalog files are stale (same as `catalog build --check`)."""
    catalog_build(upstream=upstream, check=True)


@catalog_app.command("audit")
def catalog_audit(json_out: JsonOption = False) -> None:
    """List every invariant the bundled catalog breaks (cache read above input, a zero price one source
    states, vision without image input, a region billed apart in one tier only, …); exit 1 when any."""
    from modelreg.catalog import CATALOG_DIR, audit, index
    from modelreg.catalog.rules import Rules
    from modelreg.sync.evidence import MergeRules

    records = index.load_index(CATALOG_DIR / index.RECORDS_FILE)
    variants = Rules.load(CATALOG_DIR / "rules.yaml").variants()
    violations = audit.audit(records, MergeRules.load(CATALOG_DIR / "merge.yaml", variants=variants))
    if json_out:
        print_json([{"subject": v.subject, "invariant": v.invariant, "detail": v.detail} for v in violations])
    elif violations:
        output.table(
            (output.Column("subject"), output.Column("invariant"), output.Column("detail")),
            [(v.subject, v.invariant, v.detail) for v in violations],
            title=f"{len(violations)} invariant violations",
        )
    else:
        output.write(f"no invariant violations in {len(records['models'])} models and {len(records['routes'])} routes")
    if violations:
        raise typer.Exit(code=1)


@catalog_app.command("conflicts")
def catalog_conflicts(
    subject: Annotated[str | None, typer.Option(help="Only conflicts about this model or route id.")] = None,
    rule: Annotated[
        str | None,
        typer.Option(help="Only conflicts decided by this rule: override, invariant, majority, precision, fallback."),
    ] = None,
    provider: Annotated[str | None, typer.Option(help="Only conflicts about models of this maker.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only conflicts about routes on this platform.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Print where the upstream sources disagree, every source's value, the value kept and the rule."""
    from modelreg.catalog import CATALOG_DIR, index
    from modelreg.catalog.files import read_conflicts
    from modelreg.catalog.report import filter_conflicts

    records = index.load_index(CATALOG_DIR / index.RECORDS_FILE) if provider or platform else {}
    conflicts = filter_conflicts(
        read_conflicts(), records, rule=rule, provider=provider, platform=platform, subject=subject
    )
    if json_out:
        print_json([c.model_dump(mode="json", exclude_none=True) for c in conflicts])
        return
    output.table(
        CONFLICT_COLUMNS,
        [
            (
                c.subject,
                c.field,
                [f"{source}: {value}" for source, value in c.values.items()],
                c.chosen or "(none: unknown)",
                c.rule + (f": {c.reason}" if c.reason else ""),
            )
            for c in conflicts
        ],
        title=f"{len(conflicts)} conflicts",
    )


CONFLICT_COLUMNS = (
    output.Column("subject"),
    output.Column("field"),
    output.Column("values", "\n".join),  # one source per line at a terminal; "a: 1, b: 2" in a pipe
    output.Column("kept"),
    output.Column("rule"),
)


@catalog_app.command("stats")
def catalog_stats(
    json_out: JsonOption = False,
    agreement: Annotated[
        bool,
        typer.Option(
            "--agreement",
            help="Rebuild from the snapshots (nothing is written) and count how often the sources' prices "
            "agree, and the conflicts per rule.",
        ),
    ] = False,
    upstream: UpstreamOption = None,
) -> None:
    """Count what the catalog holds: models, routes, providers, platforms, families, conflicts."""
    if agreement:
        _agreement_stats(upstream, json_out)
        return
    stats = registry().stats()
    if json_out:
        print_json(stats)
        return
    counts = ("models", "routes", "providers", "platforms", "families", "names", "conflicts")
    output.table(
        (output.Column("what"), output.Column("count", justify="right")),
        [(key, stats[key]) for key in counts],
        title="catalog",
    )
    if not output.to_terminal():
        output.write("")
    output.table(
        (output.Column("platform"), output.Column("routes", justify="right")),
        list(stats["routes_per_platform"].items()),
        title="routes per platform",
    )


def _agreement_stats(upstream: Path | None, json_out: bool) -> None:
    from modelreg.catalog import build
    from modelreg.catalog.report import agreement, count_by_rule

    catalog = build.compile_catalog(upstream or build.default_upstream_dir())
    numbers = {
        "conflicts": len(catalog.conflicts),
        "conflicts_by_rule": count_by_rule(catalog.conflicts),
        "priced_models": sum(1 for m in catalog.models if not m.pricing.is_empty()),
        "models": len(catalog.models),
        **agreement(catalog.observed),
    }
    if json_out:
        print_json(numbers)
        return
    count = output.Column("conflicts", justify="right")
    output.table(
        (output.Column("rule"), count),
        list(numbers["conflicts_by_rule"].items()),
        title=f"{numbers['conflicts']} conflicts by rule",
    )
    if not output.to_terminal():
        output.write("")
    output.table(
        (output.Column("sources"), output.Column("agree", justify="right"), output.Column("differ", justify="right")),
        [(names, counts["agree"], counts["differ"]) for names, counts in numbers["pairs"].items()],
        title="prices two sources both state",
    )
    three = numbers["three_way"]
    odd = ", ".join(f"{source} {n}" for source, n in sorted(three["odd_one_out"].items(), key=lambda kv: -kv[1]))
    kept = ", ".join(f"{source} {n['kept']} of {n['stated']}" for source, n in numbers["kept"].items())
    output.write(
        f"{three['fields']} prices all three state: {three['all_agree']} agree, {three['all_differ']} all differ; "
        f"odd one out: {odd or 'none'}\n"
        f"prices kept from each source (of the prices it states where two or more do): {kept}\n"
        f"{numbers['priced_models']} of {numbers['models']} models have a maker price"
    )
