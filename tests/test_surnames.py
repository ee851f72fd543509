"""The shipped surnames: what load_surnames promises, that the file ships with the package, and its licence."""
from pathlib import Path

import pytest

from minigrad.data import load_surnames

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "minigrad" / "data"


def test_thirty_two_thousand_distinct_lower_case_names_most_common_first():
    names = load_surnames()
    assert len(names) == 32000 == len(set(names))
    assert names[:5] == ["smith", "johnson", "williams", "jones", "brown"]
    assert names[-1] == "friedl"                                  # rank 32,000 of the census file
    assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
    assert min(map(len, names)) == 2 and max(map(len, names)) == 13


def test_as_a_text_it_has_the_size_and_alphabet_the_docstring_states():
    text = "".join(name + "\n" for name in load_surnames())
    assert len(text) == 242124 == (DATA / "surnames.txt").stat().st_size
    assert sorted(set(text)) == ["\n"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


def test_each_call_returns_a_fresh_list():
    first = load_surnames()
    first.clear()
    assert len(load_surnames()) == 32000


def test_ships_inside_the_package_with_its_provenance_and_licence():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.txt" in package_data["minigrad.data"]
    licence = (DATA / "SURNAMES_LICENSE.txt").read_text()
    assert "Public domain" in licence and "17 U.S.C. 105" in licence and "names-0.3.0" in licence
