"""`modelreg health` (probe the platforms, move their routes) and `modelreg spend` (what the calls cost)."""

from __future__ import annotations

from typing import Annotated

import typer

from modelreg.cli import output
from modelreg.cli.common import DatabaseOption, JsonOption, app, print_json
from modelreg.cli.store import store_registry


@app.command()
def health(
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", "-p", help="A platform to probe (repeat; default: every one with a known list)."),
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for each platform's answer.")] = 10.0,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Probe each platform's model list with its key; mark its routes degraded or down after failures.

    Each active platform whose model list modelreg knows (those `modelreg sync sources` lists with a key)
    is asked for it once, with the key in its environment variable: cheap, no tokens spent. A platform
    without its key is skipped with a note. Failures in a row are counted in the store: after one the
    platform's routes are set degraded, after three down; one success sets them active again. Routes a
    person set inactive or maintenance are left alone; each route moved is in the change log under
    health:<platform> (`modelreg history ROUTE --kind route`).

    \b
    Examples:
      modelreg health
      modelreg health --platform openai --json
    """
    from modelreg.health import HealthChecker

    reg = store_registry(database_url)
    found = HealthChecker(reg, platforms=platform or None, timeout=timeout).check_once()
    if json_out:
        print_json([h.as_json() for h in found])
        return
    skipped = [h for h in found if h.outcome == "skipped"]
    output.table(
        tuple(
            output.Column(h)
            for h in ("platform", "probe", "state", "failures", "HTTP", "ms", "models", "routes moved", "error")
        ),
        [
            (
                h.platform,
                h.outcome,
                h.state,
                h.failures,
                h.probe.status_code if h.probe else None,
                round(h.probe.latency_ms) if h.probe else None,
                len(h.probe.model_ids) if h.probe and h.probe.ok else None,
                len(h.routes_changed),
                h.probe.error if h.probe else None,
            )
            for h in found
            if h.outcome != "skipped"
        ],
        title="platform health",
        notes=[f"{h.platform}: {h.note}" for h in skipped if h.note],
    )


@app.command()
def spend(
    since: Annotated[
        str, typer.Option(help="From when: how long ago (7d, 24h) or an ISO date or time (UTC unless it says).")
    ] = "7d",
    until: Annotated[str | None, typer.Option(help="Until when (an ISO date or time; default: now).")] = None,
    by: Annotated[
        str, typer.Option(help="Group by any of route, model, platform, day, comma-separated (empty: total only).")
    ] = "model,platform",
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """What the recorded calls cost, by model, platform, route or day, in USD.

    Calls are recorded with `Registry.record_call` or POST /api/registry/usage; each is priced when it is
    recorded, at the prices in force that day. Calls through a route with no price are counted apart
    (unpriced), never as $0.

    \b
    Examples:
      modelreg spend --since 7d
      modelreg spend --since 2025-01-01 --by model,day --json
    """
    from modelreg import calls

    found = calls.spend(store_registry(database_url), since=since, until=until, by=by)
    if json_out:
        print_json(found.as_json())
        return
    sums = ("calls", "failed", "input tokens", "output tokens", "cost USD", "unpriced calls")
    columns = [output.Column(key) for key in found.by] + [output.Column(s, justify="right") for s in sums]

    def numbers(row: calls.SpendRow) -> tuple[object, ...]:
        return (row.calls, row.failed, row.input_tokens, row.output_tokens, row.cost_usd, row.unpriced_calls)

    rows = [(*(getattr(row, key) for key in found.by), *numbers(row)) for row in found.rows]
    total = found.total
    if found.by:
        rows.append(("total", *([None] * (len(found.by) - 1)), *numbers(total)))
    else:
        rows.append(numbers(total))
    unpriced = total.unpriced_calls
    notes = [f"{unpriced} call(s) through routes with no price are in no cost"] if unpriced else []
    output.table(
        columns,
        rows,
        title=f"spend from {found.since.isoformat(timespec='minutes')} to {found.until.isoformat(timespec='minutes')}",
        notes=notes,
    )
