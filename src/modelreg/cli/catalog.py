"""The bundled catalog: build, check, audit, conflicts, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from modelreg.cli.common import JsonOption, catalog_app, fail, out, print_json, registry
from modelreg.errors import ModelregError

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
    try:
        with out().status("building the catalog…") as status:
            progress = status.update
            if check:
                stale = build.check(upstream_dir, progress=progress)
            else:
                result = build.build(upstream_dir, progress=progress)
    except ModelregError as error:
        raise fail(error) from None
    if check:
        if stale:
            out().print(f"[red]the catalog is stale:[/red] {len(stale)} file(s) differ: {', '.join(stale[:10])}")
            out().print("run `modelreg catalog build` and commit the result")
            raise typer.Exit(code=1)
        out().print("the catalog is fresh")
        return
    c = result.catalog
    out().print(
        f"{len(c.models)} models, {len(c.routes)} routes, {len(c.providers)} providers, "
        f"{len(c.platforms)} platforms, {len(c.conflicts)} conflicts; "
        f"{len(result.written)} file(s) written"
    )


@catalog_app.command("check")
def catalog_check(upstream: UpstreamOption = None) -> None:
    """Fail when the generated catalog files are stale (same as `catalog build --check`)."""
    catalog_build(upstream=upstream, check=True)


@catalog_app.command("audit")
def catalog_audit(json_out: JsonOption = False) -> None:
    """List every invariant the bundled catalog breaks (cache read above input, a zero price one source
    states, vision without image input, a region billed apart in one tier only, …); exit 1 when any."""
    from modelreg.catalog import CATALOG_DIR, audit, index
    from modelreg.sync.evidence import MergeRules

    try:
        records = index.load_index(CATALOG_DIR / index.RECORDS_FILE)
        violations = audit.audit(records, MergeRules.load(CATALOG_DIR / "merge.yaml"))
    except ModelregError as error:
        raise fail(error) from None
    if json_out:
        print_json([{"subject": v.subject, "invariant": v.invariant, "detail": v.detail} for v in violations])
    elif violations:
        table = Table(title=f"{len(violations)} invariant violations")
        for column in ("subject", "invariant", "detail"):
            table.add_column(column)
        for v in violations:
            table.add_row(v.subject, v.invariant, v.detail)
        out().print(table)
    else:
        out().print(f"no invariant violations in {len(records['models'])} models and {len(records['routes'])} routes")
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
    table = Table(title=f"{len(conflicts)} conflicts")
    for column in ("subject", "field", "values", "kept", "rule"):
        table.add_column(column)
    for c in conflicts:
        values = "\n".join(f"{source}: {value}" for source, value in c.values.items())
        kept = c.chosen or "(none: unknown)"
        table.add_row(c.subject, c.field, values, kept, c.rule + (f"\n{c.reason}" if c.reason else ""))
    out().print(table)


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
    table = Table(title="catalog")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("models", "routes", "providers", "platforms", "families", "names", "conflicts"):
        table.add_row(key, str(stats[key]))
    out().print(table)
    per_platform = Table(title="routes per platform")
    per_platform.add_column("platform")
    per_platform.add_column("routes", justify="right")
    for platform, count in stats["routes_per_platform"].items():
        per_platform.add_row(platform, str(count))
    out().print(per_platform)


def _agreement_stats(upstream: Path | None, json_out: bool) -> None:
    from modelreg.catalog import build
    from modelreg.catalog.report import agreement, count_by_rule

    try:
        catalog = build.compile_catalog(upstream or build.default_upstream_dir())
    except ModelregError as error:
        raise fail(error) from None
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
    table = Table(title=f"{numbers['conflicts']} conflicts by rule")
    table.add_column("rule")
    table.add_column("conflicts", justify="right")
    for rule_name, count in numbers["conflicts_by_rule"].items():
        table.add_row(rule_name, str(count))
    out().print(table)
    pairs = Table(title="prices two sources both state")
    for column in ("sources", "agree", "differ"):
        pairs.add_column(column, justify="left" if column == "sources" else "right")
    for names, counts in numbers["pairs"].items():
        pairs.add_row(names, str(counts["agree"]), str(counts["differ"]))
    out().print(pairs)
    three = numbers["three_way"]
    odd = ", ".join(f"{source} {n}" for source, n in sorted(three["odd_one_out"].items(), key=lambda kv: -kv[1]))
    out().print(
        f"{three['fields']} prices all three state: {three['all_agree']} agree, {three['all_differ']} all differ; "
        f"odd one out: {odd or 'none'}"
    )
    kept = ", ".join(f"{source} {n['kept']} of {n['stated']}" for source, n in numbers["kept"].items())
    out().print(f"prices kept from each source (of the prices it states where two or more do): {kept}")
    out().print(f"{numbers['priced_models']} of {numbers['models']} models have a maker price")
