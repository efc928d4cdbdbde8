"""The LiteLLM round trip: LiteLLM's cost map -> modelreg's catalog -> `modelreg export litellm`, field by field.

    python bench/litellm_roundtrip.py                 # the figures, as Markdown
    python bench/litellm_roundtrip.py --list 20       # and the first 20 differences of each reason
    bench/.venv/bin/python bench/litellm_roundtrip.py # where litellm is installed: also what LiteLLM reads back

Covered keys: the LiteLLM keys the catalog's records name (a `litellm` source of a model or route). For each,
every price and limit the upstream snapshot states (the fields sync/litellm.py reads; not the legacy
`max_tokens`, which the export derives) is compared with the export as exact decimals. A difference is
explained when the catalog says why (`modelreg.export.litellm.REASONS`): a recorded conflict, another LiteLLM
key of the same subject the catalog took, modelreg's own units, or another source's value the merge chose
without a conflict record. `tests/test_exports.py` asserts that none is unexplained.

With litellm importable, the export is also given to `litellm.register_model` (over an empty cost map) and
each key is asked back with `litellm.get_model_info`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
UPSTREAM = Path(os.environ.get("MODELREG_UPSTREAM_DIR") or ROOT.parent / "shared" / "upstream")
LITELLM_MAP = UPSTREAM / "litellm" / "model_prices_and_context_window.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", type=int, default=0, metavar="N", help="show N differences of each reason")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # deprecated models resolve with a warning each

    import modelreg
    from modelreg.catalog.files import read_conflicts
    from modelreg.export import litellm as cost_map

    started = time.perf_counter()
    reg = modelreg.load()
    upstream = json.loads(LITELLM_MAP.read_text(encoding="utf-8"))
    report = cost_map.compare(reg, upstream, conflicts=read_conflicts())
    seconds = time.perf_counter() - started
    reasons = report.reasons()
    lost = sum(1 for d in report.differences if d.exported is None)
    print(f"## LiteLLM round trip ({LITELLM_MAP.name}, {len(upstream) - 1} entries upstream)\n")
    print("| figure | count |")
    print("| --- | ---: |")
    rows = [
        ("keys covered (named by the catalog's records)", report.keys),
        ("covered keys missing upstream", len(report.missing)),
        ("price and limit fields compared", report.fields),
        ("equal", report.equal),
        ("different", len(report.differences)),
        ("  of which not written by the export (lost)", lost),
        *((f"  explained: {reason}", reasons[reason]) for reason in cost_map.REASONS),
        ("  unexplained", reasons["unexplained"]),
        ("fields the export adds (upstream states none for that key)", report.added),
        ("upstream price fields modelreg does not keep (priority, flex, …)", sum(report.not_read.values())),
    ]
    for label, count in rows:
        print(f"| {label} | {count} |")
    share = 100 * report.equal / report.fields if report.fields else 0.0
    print(f"\n{share:.1f}% of the fields come back exactly; {seconds:.1f} s.")
    print(
        "Most frequent fields modelreg does not keep: "
        + ", ".join(f"{n} {c}" for n, c in report.not_read.most_common(5))
    )
    if args.list:
        for reason in (*cost_map.REASONS, None):
            shown = [d for d in report.differences if d.reason == reason][: args.list]
            if shown:
                print(f"\n### {reason or 'unexplained'}\n")
                for d in shown:
                    print(f"- `{d.key}` {d.field}: upstream {d.upstream}, export {d.exported} — {d.detail}")
    _litellm_reads_back(cost_map.document(reg))


def _litellm_reads_back(exported: dict[str, dict[str, Any]]) -> None:
    try:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm
    except ImportError:
        print("\n(litellm is not installed here: run with bench/.venv/bin/python to see what LiteLLM reads back)")
        return
    import logging

    logging.getLogger("LiteLLM").setLevel(logging.ERROR)
    litellm.model_cost.clear()
    litellm.register_model(exported)
    fields = ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "max_input_tokens")
    exact = missing = 0
    for key, entry in exported.items():
        try:
            info = litellm.get_model_info(key)
        except Exception:  # LiteLLM raises a plain Exception (ModelNotMappedError in newer versions)
            missing += 1
            continue
        exact += all(info.get(name) == entry[name] for name in fields if name in entry)
    version = getattr(litellm, "__version__", "") or _version("litellm")
    print(f"\n## LiteLLM {version} reads the export back\n")
    print(f"`litellm.register_model` took all {len(exported)} entries; `get_model_info(key)` answers the exported")
    print(f"prices and limits exactly for {exact} keys; {missing} keys it does not find (as with its own map);")
    print(f"the other {len(exported) - exact - missing} it answers from another entry by its own lookup (Bedrock")
    print("regional prefixes and dated Azure names read as the base entry).")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()
