"""GOV.UK Notify's address rules (doctool/notify.py), each both ways.

The tables mirror notifications-utils ``tests/recipient_validation/test_postal_address.py``
(alphagov/notifications-utils), less the international cases: doctool posts to the UK and
to BFPO only, so a last line that is a country is not a valid last line here.
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doctool import notify
from doctool.api import validate_bytes
from doctool.checks import check_letter
from doctool.letters import letter_from_plan
from doctool.loading import load_plan
from doctool.notify import PostalAddress, format_postcode, normalise_postcode, valid_postcode

from letter_helpers import LETTERS, PLANS, REPO


def addr(text: str) -> PostalAddress:
    """An address written as Notify's tests write it: one line of text per address line."""
    return PostalAddress.from_lines(textwrap.dedent(text).splitlines())


# --- postcodes (notifications-utils _is_a_real_uk_postcode, normalise_postcode, format_postcode_for_printing)


@pytest.mark.parametrize(
    "postcode, real",
    [
        # real standard UK postcodes
        ("SW1 3EF", True),
        ("SW13EF", True),
        ("SE1 63EF", True),
        ("N5 1AA", True),
        ("SO14 6WB", True),
        ("so14 6wb", True),
        ("so14\u00a06wb", True),
        ("EX4 2QT", True),
        ("M1 1AE", True),
        ("SW1A 2AA", True),
        # invalid or incomplete postcodes
        ("N5", False),
        ("SO144 6WB", False),
        ("SO14 6WBA", False),
        ("NF1 1AA", False),
        ("", False),
        ("Bad postcode", False),
        # not real postcode areas: the old samples' EB, and Q which no area starts with
        ("EB4 2QT", False),
        ("QA1 1AA", False),
        # the inward code's letters are never C I K M O V
        ("SW1 3CA", False),
        # British Forces Post Office numbers are not postcodes ...
        ("BFPO1234", False),
        ("BFPO C/O 1234", False),
        ("BFPO 1234", False),
        ("BFPO1", False),
        ("BFPO", False),
        ("BFPO12345", False),
        # ... but actual BFPO postcodes are still valid postcodes
        ("BF1 3AA", True),
        ("BF13AA", True),
        (" BF2 0FR ", True),
        # Giro Bank's vanity postcode is deprecated
        ("GIR0AA", False),
        # Gibraltar's one postcode is in the Europe postal zone
        ("GX111AA", False),
    ],
)
def test_a_postcode_is_real_only_in_a_real_area(postcode, real):
    assert valid_postcode(postcode) is real


@pytest.mark.parametrize(
    "postcode, normalised",
    [("SW1 3EF", "SW13EF"), ("SW13EF", "SW13EF"), ("sw13ef", "SW13EF"), ("Sw13ef", "SW13EF"),
     ("sw1 3ef", "SW13EF"), (" SW1    3EF  ", "SW13EF"), ("sw1\u200b3ef\u202f", "SW13EF")],
)
def test_normalise_postcode(postcode, normalised):
    assert normalise_postcode(postcode) == normalised


@pytest.mark.parametrize(
    "postcode, printed",
    [("SW13EF", "SW1 3EF"), ("SW1 3EF", "SW1 3EF"), ("N5 3EF", "N5 3EF"), ("N5     3EF", "N5 3EF"),
     ("N53EF   ", "N5 3EF"), ("n53Ef", "N5 3EF"), ("n5 \u00a0 \t 3Ef", "N5 3EF"), ("SO146WB", "SO14 6WB"),
     ("BF11AA", "BF1 1AA"), ("EB4 2QT", None)],
)
def test_format_postcode(postcode, printed):
    assert format_postcode(postcode) == printed


def test_the_postcode_areas_file_is_notifys_list():
    areas = notify.postcode_areas()
    assert len(areas) == len(set(areas)) == 127
    assert all(re.fullmatch(r"[A-Z]{1,2}", area) for area in areas if area != "GIR")
    assert {"EX", "TS", "SW", "E", "W", "BF", "BT", "ZE"} <= set(areas)
    assert "EB" not in areas
    assert "notifications-utils" in notify.POSTCODE_AREAS_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "postcode, shaped, real_area",
    [("EB4 2QT", True, False), ("QA1 1AA", True, False), ("EX4 2QT", True, True),
     ("EASTBROOK", False, False), ("EX3", False, True), ("12345", False, False)],
)
def test_postcode_shape_and_area(postcode, shaped, real_area):
    assert notify.postcode_shaped(postcode) is shaped
    assert notify.has_real_postcode_area(postcode) is real_area


# --- hypothesis: any spacing and any case of a real postcode is the same real postcode

REAL_POSTCODES = ["SW1A 2AA", "EX4 2QT", "M1 1AE", "SO14 6WB", "N5 1AA", "BF1 3AA", "TS1 2AB", "EH1 1TG", "CF99 1SN"]
SPACES = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u202f", "\u200b", ""])


@st.composite
def respelled(draw: st.DrawFn) -> tuple[str, str]:
    canonical = draw(st.sampled_from(REAL_POSTCODES))
    out = draw(SPACES)
    for character in canonical.replace(" ", ""):
        out += draw(st.sampled_from([character.lower(), character.upper()])) + draw(SPACES)
    return canonical, out


@settings(max_examples=200, deadline=None)
@given(respelled())
def test_any_spacing_and_case_of_a_real_postcode_is_valid(case):
    canonical, text = case
    assert valid_postcode(text)
    assert format_postcode(text) == canonical
    address = PostalAddress.from_lines(["Mrs Joan Whitfield", "1 High Street", text])
    assert address.postcode == canonical and address.lines[-1] == canonical and address.valid


@settings(max_examples=200, deadline=None)
@given(
    area=st.sampled_from(notify.postcode_areas()).filter(lambda a: a != "GIR"),
    district=st.from_regex(r"[0-9][0-9A-Z]?", fullmatch=True),
    inward=st.from_regex(r"[0-9][ABD-HJLNP-UW-Z]{2}", fullmatch=True),
)
def test_every_real_area_is_accepted(area, district, inward):
    assert valid_postcode(f"{area}{district} {inward}")


@settings(max_examples=200, deadline=None)
@given(
    area=st.from_regex(r"[A-Z]{1,2}", fullmatch=True).filter(lambda a: a not in notify.postcode_areas()),
    district=st.from_regex(r"[0-9]{1,2}", fullmatch=True),
    inward=st.from_regex(r"[0-9][ABD-HJLNP-UW-Z]{2}", fullmatch=True),
)
def test_an_area_not_in_the_list_is_refused(area, district, inward):
    postcode = f"{area}{district} {inward}"
    assert not valid_postcode(postcode)
    assert notify.postcode_shaped(postcode) and not notify.has_real_postcode_area(postcode)


# --- line counts after normalising (PostalAddress.has_enough_lines / has_too_many_lines)


@pytest.mark.parametrize(
    "address, enough",
    [
        ("", False),
        ("123 Example Street\nCity of Town\nSW1A 1AA", True),
        ("123 Example Street\nSW1A 1AA", False),
        ("123 Example Street\n\n\nCity of Town", False),
        ("123 Example Street\n , , \nCity of Town", False),
        ("1\n2\n3\n4\n5\n6\n7\n8", True),
    ],
)
def test_has_enough_lines(address, enough):
    assert addr(address).has_enough_lines is enough


@pytest.mark.parametrize(
    "address, too_many",
    [
        ("", False),
        ("Line 1\nLine 2\nLine 3\nLine 4\nLine 5\nLine 6\nLine 7", False),
        ("Line 1\n\nLine 2\n\nLine 3\n\nLine 4\n\nLine 5\n\nLine 6\n\nLine 7", False),
        ("Line 1\nLine 2\nLine 3\nLine 4\nLine 5\nLine 6\nBFPO\nBFPO 7", False),
        ("Line 1\nLine 2\nLine 3\nLine 4\nLine 5\nLine 6\nLine 7\nLine 8", True),
    ],
)
def test_has_too_many_lines(address, too_many):
    assert addr(address).has_too_many_lines is too_many


# --- normalising (PostalAddress.normalised_lines)


@pytest.mark.parametrize(
    "address, lines",
    [
        ("", ()),
        ("\n123 Example    St  .\nCity    of Town\n\nS W1 A 1 AA\n", ("123 Example St.", "City of Town", "SW1A 1AA")),
        ("123 Example St. \t  ,    \n, , ,  ,   ,     ,        ,\nCity of Town, Region,\nSW1A 1AA,,\n",
         ("123 Example St.", "City of Town, Region", "SW1A 1AA")),
        ("Mr X\nBFPO 1", ("Mr X", "BFPO 1")),
        # postcodes are moved before the BFPO number
        ("Mr X\nBFPO 1\nBF1 1AA", ("Mr X", "BF1 1AA", "BFPO 1")),
        # blank BFPO lines are removed
        ("Mr X\nBFPO\nBFPO 1", ("Mr X", "BFPO 1")),
        # BFPO capitalisation and spacing is normalised, and the postcode too
        ("Mr X\nbfpo\nBF1 1AA\nbfpo1", ("Mr X", "BF1 1AA", "BFPO 1")),
        ("Mr X\nbfpo\nbf11aa\nbfpo1", ("Mr X", "BF1 1AA", "BFPO 1")),
    ],
)
def test_normalised_lines(address, lines):
    assert addr(address).lines == lines


def test_origins_name_the_raw_line_of_each_normalised_line():
    address = PostalAddress.from_lines(["Mr X", " , ", "bfpo", "bf11aa", "bfpo 5"])
    assert address.lines == ("Mr X", "BF1 1AA", "BFPO 5")
    assert address.origins == (0, 3, 4)


@pytest.mark.parametrize(
    "address, postcode",
    [
        ("", None),
        ("123 Example Street\nCity of Town\nSW1A 1AA", "SW1A 1AA"),
        ("123 Example Street\nCity of Town\nS W1 A 1 AA", "SW1A 1AA"),
        ("123 Example Street\nCity of Town\nEB4 2QT", None),
        # the postcode must be the last line
        ("123 Example Street\nSW1A 1AA\nCity of Town", None),
    ],
)
def test_postcode(address, postcode):
    assert addr(address).postcode == postcode
    assert addr(address).has_valid_postcode is (postcode is not None)


# --- BFPO (PostalAddress._parse_and_extract_bfpo)


@pytest.mark.parametrize(
    "address, number",
    [
        ("Mr X\nLondon\nSW1 1AA", None),
        # BFPO postcodes are not detected as BFPO numbers
        ("Mr X\nBF1 1AA", None),
        ("Mr X\nBFPO 1", 1),
        ("Mr X\nBFPO 5432", 5432),
        ("Mr X\nBFPO C/O 1", 1),
        ("Mr X\nBFPO1", 1),
        ("Mr X\nBFPOC/O1", 1),
        ("Mr X\nBFPO 5432\nBF1 1AA", 5432),
        ("Mr X\nUnit 5\nBFPO\nBFPO 5432\nLondon\nBF1 1AA", 5432),
    ],
)
def test_bfpo_number(address, number):
    assert addr(address).bfpo_number == number
    assert addr(address).is_bfpo_address is (number is not None)


@pytest.mark.parametrize(
    "address, valid_last_line",
    [
        ("Mr X\nUnit 5\nBFPO 1234", True),
        ("Mr X\nUnit 5\nBFPO 1234\nBF1 3AA", True),
        ("Mr X\nUnit 5\nBFPO", False),
        ("Mr X\nUnit 5\nLondon", False),
    ],
)
def test_a_bfpo_number_is_a_valid_last_line(address, valid_last_line):
    assert addr(address).has_valid_last_line is valid_last_line


# --- forbidden first characters (PostalAddress.has_invalid_characters)


@pytest.mark.parametrize(
    "address, invalid",
    [
        ("", False),
        ("1[23 Example Street)\nC@ity of Town\nSW1A 1AA", False),
        ("[123 Example Street\n(ity of Town\n]S W1 A 1 AA", True),
        ("123 Example Street\nSW1A 1AA\n\\Town", True),
        (">123 Example Street\nSW1A 1AA\nTown", True),
        ("~123 Example Street\nCity of Town\nSW1 A 1 AA", True),
        # judged after normalising: leading spaces do not hide the character
        ("Mr X\n   =Example Street\nSW1A 1AA", True),
        # a line of only commas is dropped, so its comma is not a first character
        ("Mr X\n, ,\nExample Street\nSW1A 1AA", False),
    ],
)
def test_has_invalid_characters(address, invalid):
    assert addr(address).has_invalid_characters is invalid


@pytest.mark.parametrize("char", list('@()=[]"\\/,<>~'))
def test_every_forbidden_first_character(char):
    address = PostalAddress.from_lines(["Mr X", char + "1 High Street", "SW1A 1AA"])
    assert address.invalid_first_characters() == [1] and not address.valid


# --- no fixed abode (PostalAddress.has_no_fixed_abode_address)


@pytest.mark.parametrize(
    "address, nfa",
    [
        ("", False),
        ("123 Example Street\nNFA NFA2024\nSW1 A 1 AA", False),
        ("User with no Fixed Address,\nLondon\nSW1 A 1 AA", True),
        ("A Person\nNFA\nSW1A 1AA", True),
        ("A Person\nNFA,\nSW1A 1AA", True),
        ("A Person\n  nfa  \nSW1A 1AA", True),
        ("A Person\nno fixed Abode\nSW1A 1AA", True),
        ("A Person\nNO FIXED ADDRESS\nSW1A 1AA", True),
        ("A Person\nno   fixed\u00a0abode\nSW1A 1AA", True),
        ("A Person\nNo fixed abodes\nSW1A 1AA", True),
        ("A Person\nNFA Ltd\nSW1A 1AA", False),
        ("A Person\nno fixed\nabode\nSW1A 1AA", False),
    ],
)
def test_has_no_fixed_abode(address, nfa):
    assert addr(address).has_no_fixed_abode is nfa
    if nfa:
        assert not addr(address).valid


def test_the_nfa_line_is_named():
    assert PostalAddress.from_lines(["A Person", "Flat 1", "NFA", "SW1A 1AA"]).no_fixed_abode_lines() == [2]


# --- the first two lines (PostalAddress.has_alphanumeric_character_in_address_lines_1_and_2)


@pytest.mark.parametrize(
    "address, blank_positions",
    [
        ("!!!\n123 Example Street\nSW1A 1AA", [0]),
        ("Mr. Recipient\n???\nSW1A 1AA", [1]),
        ("!!!\n???\nSW1A 1AA", [0, 1]),
        ("Mr. Recipient\n123 Example Street\nSW1A 1AA", []),
        # only the first two lines are judged
        ("Mr. Recipient\n123 Example Street\n---\nSW1A 1AA", []),
        # judged after normalising: a blank line is not one of the first two
        ("Mr. Recipient\n , \n123 Example Street\nSW1A 1AA", []),
        # a letter or digit outside A to Z and 0 to 9 does not count, as in Notify
        ("\u0627\u0644\u0633\u0644\u0627\u0645\n123 Example Street\nSW1A 1AA", [0]),
    ],
)
def test_first_two_lines_have_a_letter_or_digit(address, blank_positions):
    postal = addr(address)
    assert postal.first_two_lines_without_letter_or_digit() == blank_positions
    assert postal.first_two_lines_blank is bool(blank_positions)


@pytest.mark.parametrize("address", ["", "Mr. Recipient"])
def test_fewer_than_two_lines_are_blank(address):
    assert addr(address).first_two_lines_blank


# --- valid (PostalAddress.valid, UK letters)


@pytest.mark.parametrize(
    "address, valid",
    [
        ("UK address\nService can't send internationally\nSW1A 1AA", True),
        ("Overseas address\nService can't send internationally\nGuinea-Bissau", False),
        ("Overly long address\n2\n3\n4\n5\n6\n7\nSW1A 1AA", False),
        ("Address too short\nSW1A 1AA", False),
        ("No postcode\nSomewhere\n3", False),
        ("Postcode and country\nSW1 1AA\nFrance", False),
        ("User\nNo fixed abode\nSW1 1AA", False),
        ("Valid\nExcept\n[For one character\nSW1A 1AA", False),
        ("!!!\n???\nSW1A 1AA", False),
        ("Mr. Recipient\nSW1A 1AA", False),
        ("Mrs Joan Whitfield\n4 Orchard Close\nEastbrook\nEB4 2QT", False),
        ("Mrs Joan Whitfield\n4 Orchard Close\nEastbrook\nEX4 2QT", True),
        ("Sgt A Person\nUnit 5\nBFPO 1234", True),
    ],
)
def test_valid(address, valid):
    assert addr(address).valid is valid


# --- every sample letter, and every sample plan's letter, passes


def test_every_sample_letter_passes_notifys_address_rules():
    assert LETTERS
    for path in LETTERS:
        findings = [f.rule for f in validate_bytes(path.read_bytes()).findings if f.rule.startswith("CL-ADDRESS")]
        assert findings == [], path.name
        data = json.loads(path.read_text(encoding="utf-8"))
        recipient = data["recipient"]
        postal = PostalAddress.from_lines([recipient["name"], *recipient["address"]["lines"], recipient["address"]["postcode"]])
        assert postal.valid, path.name


def test_every_sample_plans_letter_passes_notifys_address_rules():
    checked = 0
    for path in PLANS:
        plan = load_plan(path)
        if plan.financial_assessment is None:
            continue
        for doc in (plan, letter_from_plan(plan)):
            findings = [(f.rule, f.path) for f in check_letter(doc).findings if f.rule.startswith("CL-ADDRESS")]
            assert findings == [], path.name
        checked += 1
    assert checked >= 5


def test_every_sample_postcode_is_real():
    seen = 0
    for path in sorted((REPO / "samples").rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".csv"):
            continue
        for postcode in re.findall(r"\b[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}\b", path.read_text(encoding="utf-8")):
            assert valid_postcode(postcode), (path.name, postcode)
            seen += 1
    assert seen > 20
