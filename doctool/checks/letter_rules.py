"""The checks a charging letter must pass (documents.md section 3; care-act.md section 4).

Each function takes the letter record and the charging figures in force on its date and
yields :class:`Hit` s; wording and severity come from ``data/rules/letter.toml`` and the
profile. Messages carry ids, line numbers, dates and sums only: never a name or an
address line's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from doctool import charging, notify
from doctool.checks.engine import Hit, hit
from doctool.formatting import long_date, money
from doctool.model.letter import LetterRecord
from doctool.model.plan import ChargingScenario as S
from doctool.model.plan import DeferredStatus, RecipientRole
from doctool.notify import MAX_ADDRESS_LINES, MAX_LINE_CHARS, MIN_ADDRESS_LINES

if TYPE_CHECKING:
    from doctool.charging import Figures
    from doctool.render.laid_out import Pdf



def address_block(letter: LetterRecord) -> list[tuple[str, str]]:
    """The lines printed in the window, each with its JSON path: name, lines, postcode."""
    block = [("$.recipient.name", letter.recipient.name)]
    address = letter.recipient.address
    if address is not None:
        block += [(f"$.recipient.address.lines[{i}]", line) for i, line in enumerate(address.lines)]
        block.append(("$.recipient.address.postcode", address.postcode))
    return block


# --- the address (GOV.UK Notify precompiled letters) ---------------------------------------


def _postal(letter: LetterRecord) -> tuple[notify.PostalAddress, list[str]]:
    """The address as GOV.UK Notify reads it, and the JSON path of each raw line (by ``origins``)."""
    block = address_block(letter)
    return notify.PostalAddress.from_lines(text for _, text in block), [path for path, _ in block]


def address_lines(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    if letter.recipient.address is None:
        yield hit("CL-ADDRESS-LINES", "$.recipient.address", "missing")
        return
    # notifications-utils PostalAddress.has_enough_lines / has_too_many_lines: counted after
    # normalising (blank lines, and lines of only spaces or commas, are left out).
    postal, _ = _postal(letter)
    if not (postal.has_enough_lines and not postal.has_too_many_lines):
        yield hit("CL-ADDRESS-LINES", "$.recipient.address.lines", "count", count=postal.line_count,
                  low=MIN_ADDRESS_LINES, high=MAX_ADDRESS_LINES)
    for number, (path, text) in enumerate(address_block(letter), start=1):
        if len(text) > MAX_LINE_CHARS:
            yield hit("CL-ADDRESS-LINES", path, "long", line=number, chars=len(text), limit=MAX_LINE_CHARS)


def address_postcode(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    # notifications-utils PostalAddress.has_valid_last_line (UK letters): the last line is a
    # postcode in a real UK postcode area (_is_a_real_uk_postcode), or the address has a BFPO number.
    address = letter.recipient.address
    if address is None:
        return
    postal, _ = _postal(letter)
    if postal.has_valid_last_line:
        return
    line = len(address_block(letter))
    if notify.postcode_shaped(address.postcode) and not notify.has_real_postcode_area(address.postcode):
        yield hit("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode", "area", line=line)
    else:
        yield hit("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode", "format", line=line)


def address_characters(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    if letter.recipient.address is None:
        return
    postal, paths = _postal(letter)
    # notifications-utils PostalAddress.has_invalid_characters: no normalised line starts
    # with one of INVALID_CHARACTERS_AT_START_OF_ADDRESS_LINE.
    for i in postal.invalid_first_characters():
        origin = postal.origins[i]
        yield hit("CL-ADDRESS-CHAR", paths[origin], "first", line=origin + 1, char=postal.lines[i][0])
    # notifications-utils PostalAddress.has_alphanumeric_character_in_address_lines_1_and_2.
    for i in postal.first_two_lines_without_letter_or_digit():
        origin = postal.origins[i]
        yield hit("CL-ADDRESS-CHAR", paths[origin], "no-letter", line=origin + 1)


def address_no_fixed_abode(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    # notifications-utils PostalAddress.has_no_fixed_abode_address: no line is just "NFA",
    # and none contains "no fixed abode" or "no fixed address".
    if letter.recipient.address is None:
        return
    postal, paths = _postal(letter)
    for i in postal.no_fixed_abode_lines():
        origin = postal.origins[i]
        yield hit("CL-ADDRESS-NFA", paths[origin], "nfa", line=origin + 1)


# --- the figures ------------------------------------------------------------------------


def _charges(letter: LetterRecord) -> bool:
    """Scenarios whose letter tells the person what they pay and from when."""
    fa = letter.financial_assessment
    return fa.scenario in (S.assessed, S.full_cost) or (
        fa.scenario in (S.s117, S.deferred_payment) and bool(fa.weekly_charge)
    )


def assessed_amount(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario is S.assessed and fa.weekly_charge is None:
        yield hit("CL-ASSESSED-AMOUNT", "$.financial_assessment.weekly_charge", "missing")
    if fa.scenario is S.assessed and not fa.income:
        yield hit("CL-ASSESSED-INCOME", "$.financial_assessment.income", "missing")


def charge_start(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if _charges(letter) and fa.charge_from is None:
        yield hit("CL-ASSESSED-START", "$.financial_assessment.charge_from", "missing", scenario=fa.scenario.value)


def care_cost(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario is S.assessed and fa.weekly_care_cost is None:
        yield hit("CL-CARE-COST", "$.financial_assessment.weekly_care_cost", "missing")
    elif fa.weekly_care_cost is not None and fa.weekly_charge is not None and fa.weekly_charge > fa.weekly_care_cost:
        yield hit("CL-CARE-COST", "$.financial_assessment.weekly_charge", "more",
                  charge=money(fa.weekly_charge), cost=money(fa.weekly_care_cost))


def full_cost(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario is not S.full_cost:
        return
    if fa.weekly_charge is None and fa.weekly_care_cost is None:
        yield hit("CL-FULLCOST-AMOUNT", "$.financial_assessment.weekly_care_cost", "missing")
    if fa.refused_assessment:
        return
    if fa.capital is None:
        yield hit("CL-FULLCOST-CAPITAL", "$.financial_assessment.capital", "missing",
                  limit=money(figures.upper_capital_limit), year=figures.year)
    elif not charging.above_upper_limit(fa.capital, figures):
        yield hit("CL-FULLCOST-CAPITAL", "$.financial_assessment.capital", "below",
                  capital=money(fa.capital), limit=money(figures.upper_capital_limit), year=figures.year)


def assessed_capital(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario is S.assessed and fa.capital is not None and charging.above_upper_limit(fa.capital, figures):
        yield hit("CL-ASSESSED-CAPITAL", "$.financial_assessment.capital", "above",
                  capital=money(fa.capital), limit=money(figures.upper_capital_limit), year=figures.year)


def tariff(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.capital is None or fa.tariff_income is None or charging.above_upper_limit(fa.capital, figures):
        return
    expected = charging.tariff_income(fa.capital, figures)
    if fa.tariff_income != expected:
        yield hit("CL-TARIFF", "$.financial_assessment.tariff_income", "differs",
                  tariff=money(fa.tariff_income), capital=money(fa.capital), expected=money(expected), year=figures.year)


def arithmetic(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario not in (S.assessed, S.s117, S.nil, S.deferred_payment) or not fa.income or fa.weekly_charge is None:
        return
    w = charging.working(fa, figures)
    if w.charge != fa.weekly_charge:
        yield hit(
            "CL-ARITHMETIC",
            "$.financial_assessment.weekly_charge",
            "capped" if w.capped else "sum",
            income=money(w.income),
            allowances=money(w.allowances),
            dre=money(w.dre),
            housing=money(w.housing),
            tariff=money(w.tariff),
            net=money(w.net) if w.net >= 0 else "-" + money(-w.net),
            expected=money(w.charge),
            charge=money(fa.weekly_charge),
        )


def nil_amount(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.scenario is S.nil and fa.weekly_charge:
        yield hit("CL-NIL-AMOUNT", "$.financial_assessment.weekly_charge", "charge", charge=money(fa.weekly_charge))


def s117_services(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    if letter.financial_assessment.scenario is S.s117 and not any(s.s117 for s in letter.services):
        yield hit("CL-S117-SERVICES", "$.services", "missing")


def s117_scenario(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    """Services that are s117 after-care are free; a letter in another scenario would not say
    why they cost nothing (the letter lists them as free anyway, but the scenario is wrong)."""
    fa = letter.financial_assessment
    if fa.scenario is not S.s117 and any(s.s117 for s in letter.services):
        yield hit("CL-S117-SCENARIO", "$.financial_assessment.scenario", "scenario", scenario=fa.scenario.value)


def deferred_terms(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    """An agreement in place is stated with its terms: what is deferred each week and the interest."""
    fa = letter.financial_assessment
    dpa = fa.deferred_payment
    if dpa is None:
        return
    path = "$.financial_assessment.deferred_payment"
    if fa.scenario is not S.deferred_payment:
        yield hit("CL-DEFERRED-TERMS", path, "scenario", scenario=fa.scenario.value)
        return
    if dpa.status is DeferredStatus.in_place:
        if dpa.weekly_amount is None:
            yield hit("CL-DEFERRED-TERMS", f"{path}.weekly_amount", "amount")
        if dpa.interest_rate is None:
            yield hit("CL-DEFERRED-TERMS", f"{path}.interest_rate", "rate")
    if dpa.weekly_amount is not None and fa.weekly_care_cost is not None and fa.weekly_charge is not None:
        rest = max(fa.weekly_care_cost - fa.weekly_charge, Decimal(0))
        if dpa.weekly_amount > rest:
            yield hit("CL-DEFERRED-TERMS", f"{path}.weekly_amount", "more",
                      deferred=money(dpa.weekly_amount), rest=money(rest))


def recipient(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    """A letter to someone acting for the person says whose care it is about."""
    if letter.recipient.role is not RecipientRole.person and not letter.person_name:
        yield hit("CL-RECIPIENT", "$.person_name", "person", role=letter.recipient.role.value)


def dates(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    fa = letter.financial_assessment
    if fa.assessment_date and letter.letter_date < fa.assessment_date:
        yield hit("CL-DATE", "$.letter_date", "before", letter=long_date(letter.letter_date),
                  assessment=long_date(fa.assessment_date))


def figures_in_force(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    if figures.in_force_from > letter.letter_date:
        yield hit("CL-FIGURES", "$.letter_date", "none", letter=long_date(letter.letter_date),
                  earliest=long_date(figures.in_force_from))


def figures_estimated(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    """The letter uses figures its year's file marks [check]: estimates, not yet the published ones."""
    used = [name for name in figures.estimated if name in charging.LETTER_FIGURES]
    if used and figures.in_force_from <= letter.letter_date:
        yield hit("CL-FIGURES-ESTIMATE", "$.letter_date", "estimated", year=figures.year, file=figures.file,
                  count=len(used), figures=", ".join(used))


def contact(letter: LetterRecord, figures: Figures) -> Iterator[Hit]:
    if letter.contact is None:
        yield hit("CL-CONTACT", "$.contact", "missing")


LETTER_RULES = (
    address_lines,
    address_postcode,
    address_characters,
    address_no_fixed_abode,
    assessed_amount,
    charge_start,
    care_cost,
    full_cost,
    assessed_capital,
    tariff,
    arithmetic,
    nil_amount,
    s117_services,
    s117_scenario,
    deferred_terms,
    recipient,
    dates,
    figures_in_force,
    figures_estimated,
    contact,
)


# --- the printed letter (checked after layout) ------------------------------------------------


def notify_limits(pdf: Pdf) -> Iterator[Hit]:
    """The laid-out PDF fits GOV.UK Notify: at most 10 pages and 2 MB."""
    if pdf.pages > notify.MAX_PAGES:
        yield hit("CL-NOTIFY-SIZE", "$", "pages", pages=pdf.pages, limit=notify.MAX_PAGES)
    if len(pdf.content) > notify.MAX_BYTES:
        yield hit("CL-NOTIFY-SIZE", "$", "bytes", size=f"{len(pdf.content):,}", limit=f"{notify.MAX_BYTES:,}")


def notify_pages(pdf: Pdf) -> Iterator[Hit]:
    """Every page is A4 portrait, prints only inside Notify's zones, and no page after the
    first carries a "NOTIFY" tag.

    A council's stylesheet can change the page size; a letter must not reach Notify with a
    page it refuses. The letter's margins keep the tag box empty, and this proves it on
    each letter: the printer's software reads a tag on a later page as the start of a new
    letter."""
    for number, page in enumerate(pdf.sheets, start=1):
        # notifications-template-preview _is_page_A4_portrait: 210 x 297 mm, 2 mm either way.
        if not notify.a4_portrait(page.width_mm, page.height_mm):
            yield hit("CL-NOTIFY-PAGE", "$", "size", page=number,
                      width=f"{page.width_mm:.0f}", height=f"{page.height_mm:.0f}")
        # notifications-template-preview _get_pages_with_notify_tag: pages after the first.
        if number > 1 and notify.TAG_TEXT in page.tag_text.upper():
            yield hit("CL-NOTIFY-PAGE", "$", "tag", page=number)
        # notifications-template-preview _colour_no_print_areas_of_page_in_red: any ink
        # outside the zones fails the letter. Measured here on the layout's boxes, once a page.
        outside = [rect for rect in page.ink if not notify.in_zones(rect, first_page=number == 1)]
        if outside:
            x0, y0, x1, y1 = outside[0]
            yield hit("CL-NOTIFY-PAGE", "$", "zone", page=number, count=len(outside),
                      x0=f"{x0:.0f}", y0=f"{y0:.0f}", x1=f"{x1:.0f}", y1=f"{y1:.0f}")


PDF_RULES = (notify_limits, notify_pages)
