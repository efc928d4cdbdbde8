"""`modelreg store import` in a real process: bad files are one clear error and write nothing; a good one
goes in whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelreg.store import Store

GOOD = """\
models:
- id: openai/imported
  provider: openai
  name: imported
  family: gpt
  capabilities: [chat]
  pricing: {input: 1, output: 2}
prices:
- subject: openai/gpt-4o
  effective_from: '2026-01-01'
  pricing: {input: 2}
"""


def _import(tmp_path: Path, target: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "MODELREG_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "COLUMNS": "400",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("modelreg")), "store", "import", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def _changes(tmp_path: Path) -> int:
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        return store.counter()
    finally:
        store.close()


BAD = [
    ("broken YAML", b"models:\n- id: [unclosed\n", "not valid YAML at line 3, column 1"),
    ("not UTF-8", b"models:\n- id: caf\xe9\n", "not UTF-8 text (byte 0xe9"),
    ("a NaN price", GOOD.replace("{input: 2}", "{input: .nan}").encode(), "prices[0] (openai/gpt-4o).pricing.input"),
    ("an infinite price", GOOD.replace("input: 1,", "input: .inf,").encode(), "models[0] (openai/imported).pricing"),
    ("no such day", GOOD.replace("2026-01-01", "2026-02-30").encode(), "not a real date"),
    ("a list, not an export", b"- one\n- two\n", "not a store export"),
    ("a bad record last", (GOOD + "- subject: openai/gpt-9\n  effective_from: '2026-01-01'\n").encode(), "gpt-9"),
]


@pytest.mark.parametrize(("case", "content", "says"), BAD, ids=[case for case, _, _ in BAD])
def test_a_bad_file_is_one_clear_error_and_writes_nothing(tmp_path: Path, case: str, content: bytes, says: str) -> None:
    target = tmp_path / "export.yaml"
    target.write_bytes(content)
    code, said = _import(tmp_path, target)
    assert code != 0 and says in said, said
    assert "Traceback" not in said
    assert _changes(tmp_path) == 0


def test_a_folder_is_one_clear_error(tmp_path: Path) -> None:
    code, said = _import(tmp_path, tmp_path)
    assert (code != 0 and "Traceback" not in said and "folder" in said.lower()) or "directory" in said.lower()


def test_a_good_file_goes_in_whole_and_twice_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "export.yaml"
    target.write_text(GOOD, encoding="utf-8")
    code, said = _import(tmp_path, target)
    assert code == 0 and said.splitlines()[-1] == "1 created, 0 updated, 0 hidden, 1 priced, 0 unchanged"
    assert _changes(tmp_path) == 1  # one transaction, one move of the change counter
    code, said = _import(tmp_path, target)
    assert code == 0 and said.splitlines()[-1] == "0 created, 0 updated, 0 hidden, 0 priced, 2 unchanged"
    assert _changes(tmp_path) == 1
