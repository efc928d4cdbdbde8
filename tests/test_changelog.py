"""The change feed: new models, price changes (old → new, percent) and deprecations from the store's change
log, the price history and the catalog's dates, each once, newest first, as Markdown, JSON and RSS 2.0."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg import changelog
from modelreg.errors import ValidationError

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
runner = CliRunner()


@pytest.fixture()
def changed(tmp_path: Path) -> Iterator[modelreg.Registry]:
    """A store in which a model was added, gpt-4o re-priced, gpt-4.1 deprecated and o3 given a retirement
    date ahead, and a route re-priced; today."""
    reg = modelreg.load(database_url=f"sqlite:///{tmp_path / 'feed.sqlite3'}")
    record = {"id": "openai/acme-bot-1", "provider": "openai", "name": "acme-bot-1", "family": "acme"}
    reg.create("model", {**record, "pricing": {"input": "1", "output": "4"}}, actor="alice")
    reg.set_price("openai/gpt-4o", {"input": "3"}, effective_from=TODAY, actor="bob")
    version = reg.version("model", "openai/gpt-4.1")
    deprecated = {"lifecycle": {"status": "deprecated", "replacement": "openai/gpt-4o"}}
    reg.update("model", "openai/gpt-4.1", deprecated, version=version, actor="carol")
    version = reg.version("model", "openai/o3")
    reg.update("model", "openai/o3", {"lifecycle": {"retirement_date": "2099-06-01"}}, version=version, actor="carol")
    reg.set_price("azure/openai/gpt-4o", {"output": "12"}, effective_from=TODAY, actor="dave")
    yield reg
    assert reg.store is not None
    reg.store.close()


def only(found: list[changelog.Entry], kind: str, subject: str) -> changelog.Entry:
    hits = [e for e in found if e.kind == kind and e.subject == subject]
    assert len(hits) == 1, hits
    return hits[0]


def test_each_change_appears_once_with_its_values(changed: modelreg.Registry) -> None:
    found = changelog.entries(changed, since=YESTERDAY)
    added = only(found, "new_model", "openai/acme-bot-1")
    assert (added.day, added.by) == (TODAY, "alice")
    assert added.details["pricing"] == {"input": Decimal(1), "output": Decimal(4)}

    price = only(found, "price_change", "openai/gpt-4o")
    assert price.day == TODAY and price.by == "bob"
    assert price.details["changes"] == {"input": {"old": Decimal("2.5"), "new": Decimal(3), "percent": Decimal("20.0")}}
    assert "input $2.50 → $3.00 (+20.0%)" in price.title

    route = only(found, "price_change", "azure/openai/gpt-4o")
    assert route.details["model"] == "openai/gpt-4o" and route.by == "dave"
    assert route.details["changes"]["output"]["new"] == Decimal(12)
    assert route.details["changes"]["output"]["percent"] == Decimal("20.0")  # azure's 10 → 12

    going = only(found, "deprecation", "openai/gpt-4.1")
    assert going.details["replacement"] == "openai/gpt-4o" and going.by == "carol" and going.day == TODAY
    announced = only(found, "retirement", "openai/o3")  # a date ahead, announced today
    assert announced.day == TODAY and "to be retired on 2099-06-01" in announced.title
    days = [e.day for e in found]
    assert days == sorted(days, reverse=True)


def test_only_the_window_is_reported(changed: modelreg.Registry) -> None:
    assert not [e for e in changelog.entries(changed, since=YESTERDAY, until=YESTERDAY) if e.by]
    with pytest.raises(ValidationError, match="empty window"):
        changelog.entries(changed, since=TODAY, until=YESTERDAY)


def test_the_catalogs_dated_prices_and_lifecycle_dates_are_reported(registry: modelreg.Registry) -> None:
    day = dt.date(2026, 9, 1)  # genai-prices dates Claude Sonnet 5's move from $2/$10 to $3/$15
    price = only(changelog.entries(registry, since=day, until=day), "price_change", "anthropic/claude-sonnet-5")
    assert price.details["changes"]["input"] == {"old": Decimal(2), "new": Decimal(3), "percent": Decimal("50.0")}
    assert price.details["changes"]["output"]["percent"] == Decimal("50.0") and price.by is None
    found = changelog.entries(registry, since=dt.date(2026, 2, 27), until=dt.date(2026, 2, 27))
    assert only(found, "deprecation", "ai21/jamba-1.5").day == dt.date(2026, 2, 27)
    released = registry.get("openai/gpt-4o").lifecycle.release_date
    assert released is not None
    day = dt.date.fromisoformat(released)
    assert only(changelog.entries(registry, since=day, until=day), "new_model", "openai/gpt-4o").by is None


def test_markdown_json_and_rss(changed: modelreg.Registry) -> None:
    found = changelog.entries(changed, since=YESTERDAY)
    text = changelog.render(found, format="markdown", since=YESTERDAY)
    assert text.startswith(f"# modelreg changelog since {YESTERDAY}\n") and f"## {TODAY}" in text
    assert "- **Deprecated**: openai/gpt-4.1 deprecated; move to openai/gpt-4o (by carol)" in text

    document = json.loads(changelog.render(found, format="json", since=YESTERDAY))
    assert document["since"] == YESTERDAY.isoformat() and len(document["entries"]) == len(found)
    price = next(e for e in document["entries"] if e["subject"] == "openai/gpt-4o")
    assert price["details"]["changes"]["input"] == {"old": "2.5", "new": "3", "percent": "20.0"}

    root = ET.fromstring(
        changelog.render(found, format="rss", since=YESTERDAY, link="https://reg.example/api/registry")
    )
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    items = channel.findall("item")
    assert len(items) == len(found)
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == len(guids)
    for item, entry in zip(items, found, strict=True):
        assert item.findtext("title") and item.findtext("link", "").startswith(
            "https://reg.example/api/registry/models/"
        )
        assert parsedate_to_datetime(item.findtext("pubDate", "")).date() == entry.day
        assert item.findtext("category") == entry.kind


def test_the_command_prints_each_format(changed: modelreg.Registry) -> None:
    from modelreg.cli import app

    assert changed.store is not None
    env = {"MODELREG_DATABASE_URL": changed.store.url}
    done = runner.invoke(app, ["changelog", "--since", YESTERDAY.isoformat(), "--format", "rss"], env=env)
    assert done.exit_code == 0, done.output
    assert ET.fromstring(done.stdout).find("channel/item") is not None and "acme-bot-1" in done.stdout
    as_json = runner.invoke(app, ["changelog", "--since", YESTERDAY.isoformat(), "-f", "json"], env=env)
    assert any(e["subject"] == "openai/acme-bot-1" for e in json.loads(as_json.stdout)["entries"])
    bad = runner.invoke(app, ["changelog", "--since", "last week"], env=env)
    assert bad.exit_code == 1 and "is not a date" in bad.output
