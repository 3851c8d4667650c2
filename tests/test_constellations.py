"""Constellation membership rules (tracker.constellations): name globs, launch and norad rules,
labels; then the built-in rules against CelesTrak's own NAME=HULIANWANG and GROUP=qianfan queries.

Satellite frames are built by hand; the names are real CelesTrak names unless marked synthetic.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from tracker.constellations import BUILTIN_RULES, glob_regex, label, membership

SHARED = Path(__file__).resolve().parents[2] / "shared"
GP = SHARED / "data" / "celestrak" / "gp-2026-08-18"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent (real CelesTrak data)")


def rules(*triples: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [list(t) for t in triples],
        schema={"constellation": pl.String, "kind": pl.String, "value": pl.String},
        orient="row",
    )


def builtin_rules() -> pl.DataFrame:
    return rules(*[(name, kind, value) for name, pairs in BUILTIN_RULES.items() for kind, value in pairs])


def sats(*rows: tuple[int, str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [list(r) for r in rows],
        schema={"norad": pl.Int64, "name": pl.String, "launch": pl.String},
        orient="row",
    )


def members(sat_frame: pl.DataFrame, rule_frame: pl.DataFrame) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for norad, constellation in membership(sat_frame, rule_frame).iter_rows():
        out.setdefault(norad, []).append(constellation)
    return out


def glob_matches(glob: str, name: str) -> bool:
    """What a name rule should do, per fnmatch semantics restricted to * and ? (case-insensitive)."""
    return members(sats((1, name, None)), rules(("c", "name", glob))) == {1: ["c"]}


# --------------------------------------------------------------------------------------------
# built-in rules
# --------------------------------------------------------------------------------------------

CASES = [
    (62323, "HULIANWANG DIGUI-01", "2024-240", ["guowang"]),
    (62324, "HULIANWANG DIGUI-02", "2024-240", ["guowang"]),
    (58700, "HULIANWANG JISHU SHIYAN A", "2023-212", ["guowang"]),
    (90001, "hulianwang digui-99", None, ["guowang"]),  # synthetic: lower case still matches
    (90002, "GUOWANG TEST OBJECT A", None, ["guowang"]),
    (60379, "QIANFAN-1", "2024-140", ["qianfan"]),
    (66042, "QIANFAN-100", "2025-158", ["qianfan"]),
    (90003, "XHULIANWANG", None, []),  # synthetic: the glob is anchored at the start
    (90004, "SAT HULIANWANG", None, []),  # synthetic
    (90005, "XQIANFAN-1", None, []),  # synthetic
    (90006, "QIAN FAN-1", None, []),  # synthetic
    (25544, "ISS (ZARYA)", "1998-067", []),
    (90007, None, None, []),  # synthetic: no name at all
]


def test_builtin_rules():
    got = members(sats(*[(n, name, launch) for n, name, launch, _ in CASES]), builtin_rules())
    for norad, name, _, want in CASES:
        assert got.get(norad, []) == want, name


# --------------------------------------------------------------------------------------------
# glob translation: only * and ? are special; everything else is literal
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "glob, name, hit",
    [
        ("STARLINK-1?00", "STARLINK-1200", True),
        ("STARLINK-1?00", "STARLINK-1X00", True),
        ("STARLINK-1?00", "STARLINK-100", False),  # ? is exactly one character
        ("STARLINK-1?00", "STARLINK-12000", False),
        ("STARLINK-1?00", "STARLINK-11200", False),
        ("A+B*", "A+B", True),
        ("A+B*", "A+BCD", True),
        ("A+B*", "AB", False),  # + is not "one or more"
        ("A+B*", "AAB", False),
        ("NOAA 1.", "NOAA 1.", True),
        ("NOAA 1.", "NOAA 15", False),  # . is not "any character"
        ("OBJ [X]*", "OBJ [X] 1", True),
        ("OBJ [X]*", "OBJ X 1", False),  # [] is not a character class
        ("A|B", "A", False),  # | must not split the alternation the rules are joined into
        ("A|B", "B", False),
        ("A|B", "A|B", True),
        ("(A)?", "(A)1", True),
        ("(A)?", "A", False),
        ("$X^", "$X^", True),
        ("C:\\D", "C:\\D", True),
        ("*", "ANYTHING AT ALL", True),
        ("*DIGUI*", "HULIANWANG DIGUI-01", True),
        ("?*", "", False),
        ("hulianwang*", "HULIANWANG DIGUI-01", True),  # rules are case-insensitive too
    ],
)
def test_glob_special_characters_are_literal(glob, name, hit):
    assert glob_matches(glob, name) is hit


def testglob_regex_is_anchored_and_escaped():
    pattern = glob_regex("a+b?c*")
    assert pattern.startswith("^") and pattern.endswith("$")
    assert re.fullmatch(pattern, "A+BXC") and re.fullmatch(pattern, "A+BXCDEF")
    assert not re.search(pattern, "AABXC") and not re.search(pattern, "ZA+BXC")


def test_several_name_rules_of_one_constellation_are_a_union():
    frame = sats((1, "ALPHA-1", None), (2, "BETA.7", None), (3, "GAMMA", None), (4, "BETA-7", None))
    got = members(frame, rules(("mine", "name", "ALPHA-*"), ("mine", "name", "BETA.?")))
    assert got == {1: ["mine"], 2: ["mine"]}


# --------------------------------------------------------------------------------------------
# launch and norad rules, labels
# --------------------------------------------------------------------------------------------


def test_launch_and_norad_rules():
    frame = sats(
        (62323, "HULIANWANG DIGUI-01", "2024-240"),
        (62324, "HULIANWANG DIGUI-02", "2024-240"),
        (60379, "QIANFAN-1", "2024-140"),
        (25544, "ISS (ZARYA)", "1998-067"),
        (90010, "OBJECT A", None),  # synthetic: no launch designator
        (270000123, "NINE DIGITS", None),  # synthetic: OMM allows nine-digit catalog numbers
    )
    got = members(
        frame,
        rules(
            ("batch", "launch", "2024-240"),
            ("batch", "launch", "2024-24"),  # a prefix is not a launch designator
            ("picked", "norad", "25544"),
            ("picked", "norad", "270000123"),
            ("picked", "norad", "99999"),  # matches nothing
        ),
    )
    assert got == {62323: ["batch"], 62324: ["batch"], 25544: ["picked"], 270000123: ["picked"]}


def test_label_joins_memberships_with_plus():
    frame = sats(
        (62323, "HULIANWANG DIGUI-01", "2024-240"),
        (60379, "QIANFAN-1", "2024-140"),
        (25544, "ISS (ZARYA)", "1998-067"),
        (40697, "SENTINEL-2A", "2015-028"),
    )
    rule_frame = pl.concat(
        [
            builtin_rules(),
            rules(
                ("watch", "norad", "62323"),
                ("watch", "norad", "25544"),
                ("alpha", "launch", "2024-240"),
                ("alpha", "name", "HULIANWANG DIGUI-0?"),  # matches the same satellite twice: once
            ),
        ]
    )
    out = label(frame, rule_frame)
    assert out.columns == ["norad", "name", "launch", "constellation"]
    assert out["norad"].to_list() == [62323, 60379, 25544, 40697]  # rows and order kept
    assert dict(zip(out["norad"], out["constellation"], strict=True)) == {
        62323: "alpha+guowang+watch",  # sorted, each once
        60379: "qianfan",
        25544: "watch",
        40697: None,
    }


def test_no_rules_no_memberships():
    frame = sats((62323, "HULIANWANG DIGUI-01", "2024-240"))
    empty = rules()
    assert membership(frame, empty).is_empty()
    assert membership(frame, empty).columns == ["norad", "constellation"]
    assert label(frame, empty)["constellation"].to_list() == [None]


# --------------------------------------------------------------------------------------------
# the rules as stored, through a real (temporary SQLite) database
# --------------------------------------------------------------------------------------------


def test_rules_through_the_database(tmp_path):
    from tracker.constellations import add_rules, names, rules_frame, seed_builtin_rules
    from tracker.services.bootstrap import open_database as connect

    engine = connect(f"sqlite:///{tmp_path / 'tracker.db'}")  # creates tables and seeds rules
    try:

        def triples() -> set[tuple[str, str, str]]:
            return set(rules_frame(engine).iter_rows())

        seeded = triples()
        assert {(n, k, v) for n, pairs in BUILTIN_RULES.items() for k, v in pairs} <= seeded
        seed_builtin_rules(engine)  # again: idempotent
        assert triples() == seeded and rules_frame(engine).height == len(seeded)
        with engine.begin() as conn:
            assert add_rules(conn, " Mine ", "name", ["A+B*", "STARLINK-1?00"]) == 2
            assert add_rules(conn, "mine", "name", ["A+B*"]) == 0
            assert add_rules(conn, "mine", "norad", [25544]) == 1
            with pytest.raises(ValueError):
                add_rules(conn, "mine", "colour", ["red"])
            with pytest.raises(ValueError):
                add_rules(conn, "  ", "name", ["X"])
        assert triples() - seeded == {("mine", "name", "A+B*"), ("mine", "name", "STARLINK-1?00"), ("mine", "norad", "25544")}
        assert {"guowang", "mine", "qianfan"} <= set(names(engine))
        frame = sats((1, "A+BC", None), (2, "AABC", None), (3, "STARLINK-1300", None), (25544, "ISS (ZARYA)", None))
        assert members(frame, rules_frame(engine).filter(pl.col("constellation") == "mine")) == {
            1: ["mine"],
            3: ["mine"],
            25544: ["mine"],
        }
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# real data: built-in rules against CelesTrak's own queries
# --------------------------------------------------------------------------------------------


def _read(path: Path) -> pl.DataFrame:
    with open(path, newline="") as f:
        rows = [(int(r["NORAD_CAT_ID"]), r["OBJECT_NAME"], r["OBJECT_ID"][:8]) for r in csv.DictReader(f)]
    return sats(*rows)


@needs_shared
def test_builtin_rules_reproduce_celestrak_groups():
    """On the whole active catalogue, the built-in rules pick exactly CelesTrak's NAME=HULIANWANG
    result (plus the four GUOWANG TEST OBJECTs) and exactly its GROUP=qianfan list."""
    active = _read(GP / "active.csv")
    hulianwang = set(_read(GP / "hulianwang.csv")["norad"])
    qianfan = set(_read(GP / "qianfan.csv")["norad"])
    got = membership(active, builtin_rules())
    guowang = set(got.filter(pl.col("constellation") == "guowang")["norad"])
    assert guowang - hulianwang == set(active.filter(pl.col("name").str.starts_with("GUOWANG "))["norad"])
    assert len(guowang - hulianwang) == 4
    assert hulianwang & set(active["norad"]) <= guowang
    assert len(qianfan & set(active["norad"])) >= 200
    assert set(got.filter(pl.col("constellation") == "qianfan")["norad"]) == qianfan & set(active["norad"])
    assert got["norad"].is_unique().all()  # nobody is in both
