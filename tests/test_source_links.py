"""Findings' links to their law (doctool/data/source_links.toml, doctool.sources)."""

from __future__ import annotations

import re

import pytest

from doctool.datafiles import DATA
from doctool.sources import source_link

CSSG = "https://www.gov.uk/government/publications/care-act-statutory-guidance/care-and-support-statutory-guidance"


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("Care Act 2014 s25(1)(e)", "https://www.legislation.gov.uk/ukpga/2014/23/section/25"),
        ("Care Act 2014 s9(4)", "https://www.legislation.gov.uk/ukpga/2014/23/section/9"),
        ("Statutory guidance 13.32; Kent 8", CSSG),
        ("Employers' Liability (Compulsory Insurance) Act 1969; statutory guidance 12.27-12.29; Kent 11", CSSG),
        ("Charging Regulations 2014 reg 12", "https://www.legislation.gov.uk/uksi/2014/2672/regulation/12"),
        ("Care and Support (Direct Payments) Regulations 2014 reg 7", "https://www.legislation.gov.uk/uksi/2014/2871/regulation/7"),
        ("Mental Health Act 1983 s117; Kent 9.2", "https://www.legislation.gov.uk/ukpga/1983/20/section/117"),
        ("Kent practice guidance 10.9", None),
        ("doctool data integrity", None),
        ("documents.md section 4", None),
    ],
)
def test_source_link(source, url):
    link = source_link(source)
    assert (link.url if link else None) == url
    if link:
        assert link.title and "{" not in link.title


def test_every_rule_source_that_names_the_care_act_or_the_guidance_is_linked():
    """Every source in the rule files that cites the Care Act or the statutory guidance gets a link."""
    sources = set()
    for path in (DATA / "rules").glob("*.toml"):
        sources |= set(re.findall(r'^source\s*=\s*"([^"]*)"', path.read_text(encoding="utf-8"), re.MULTILINE))
    assert sources
    for s in sources:
        if re.search(r"Care Act 2014 s\d|statutory guidance", s, re.IGNORECASE):
            assert source_link(s) is not None, s


def test_every_finding_carries_its_link_on_every_face():
    from doctool.findings import Finding, Severity

    law = Finding("R", Severity.error, "$", "m", "Care Act 2014 s25(1)").as_dict()
    assert law["link"]["url"].endswith("/section/25") and law["rule"] == "R"
    assert Finding("S", Severity.warning, "$", "m", "Kent 8").as_dict()["link"] is None
