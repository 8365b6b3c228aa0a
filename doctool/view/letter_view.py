"""The charging letter's Word view (the Word templates' context until Word is rendered from the document model).

The letter is the same for a standalone record and for a plan (see
:func:`doctool.letters.as_letter`). Its words come from ``data/wording/charging_letter.toml``
(and ``common.toml``), its figures from the charging figures in force on the letter
date: nothing here states a limit or an allowance.

The body is a list of sections, each a heading and blocks (a paragraph, a list or a
two-column table), so one template lays out all six scenarios; the fixed parts (the
letterhead, the address window, the amount, the contacts and the slip) are named keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from doctool.charging import Figures, above_upper_limit, figures_for, tariff_income, working
from doctool.findings import Report
from doctool.notify import MAX_LINE_CHARS
from doctool.formatting import easy_money, long_date, money
from doctool.letters import as_letter
from doctool.model.letter import LetterRecord, PaymentMethod
from doctool.model.plan import ChargingScenario as S
from doctool.model.plan import Plan, PlanStatus
from doctool.profiles import Profile
from doctool.view.common import council_view, document_meta, draft_view, list_block, para_block, section, sums_block
from doctool.wording import Wording

Block = dict[str, Any]
Section = dict[str, Any]
p, ul, section = para_block, list_block, section


def table(caption: str, head: list[str], rows: list[tuple[str, str, bool]]) -> Block:
    """A table of sums; in a letter each follows its own heading, so it has no caption."""
    return sums_block("", head, rows)


class _Text:
    """Wording lookups with the letter's placeholders filled in."""

    def __init__(self, w: Wording, params: dict[str, str]) -> None:
        self.w, self.params = w, params

    def __call__(self, table_name: str, key: str) -> str:
        return self.w[table_name][key].format(**self.params)

    def list(self, table_name: str, key: str) -> list[str]:
        return [item.format(**self.params) for item in self.w[table_name][key]]

    def common(self, key: str) -> str:
        return self.w.common["text"][key].format(**self.params)


# --- the figures and how they were worked out ----------------------------------------------


def _working_table(letter: LetterRecord, w: Wording, figures: Figures) -> Block | None:
    fa = letter.financial_assessment
    if not fa.income:
        return None
    lab = w["label"]
    sums = working(letter.financial_assessment, figures)
    rows: list[tuple[str, str, bool]] = [(line.label, money(line.weekly), False) for line in fa.income]
    rows.append((lab["total_income"], money(sums.income), True))
    rows += [(f"{lab['allowance']} {line.label}", money(line.weekly), False) for line in fa.allowances]
    if fa.disability_related_expenditure is not None:
        rows.append((lab["dre"], money(fa.disability_related_expenditure), False))
    if fa.housing_costs is not None:
        rows.append((lab["housing"], money(fa.housing_costs), False))
    if fa.capital is not None or sums.tariff:
        rows.append((lab["tariff"], money(sums.tariff), False))
    charge = fa.weekly_charge if fa.weekly_charge is not None else sums.charge
    rows.append((lab["you_pay_week"], money(charge), True))
    return table(w["heading"]["worked_out"], [lab["what_we_counted"], lab["a_week"]], rows)


def _capital_text(letter: LetterRecord, t: _Text, figures: Figures) -> Block | None:
    capital = letter.financial_assessment.capital
    if capital is None:
        return None
    if capital <= figures.lower_capital_limit:
        return p(t("assessed", "capital_under"))
    if above_upper_limit(capital, figures):
        return p(t("assessed", "capital_over"))
    return p(t("assessed", "capital_between"))


def _explain(letter: LetterRecord, t: _Text, figures: Figures, at_home: bool = True) -> list[Block]:
    """Why the sum is what it is. In a care home the personal expenses allowance replaces
    the Minimum Income Guarantee (``at_home=False``)."""
    fa = letter.financial_assessment
    blocks = [p(t("assessed", "mig"))] if at_home else []
    if fa.disability_related_expenditure:
        blocks.append(p(t("assessed", "dre")))
    blocks.append(p(t("assessed", "tariff")))
    blocks.append(_capital_text(letter, t, figures))  # type: ignore[arg-type]
    if working(letter.financial_assessment, figures).capped:
        blocks.append(p(t("assessed", "capped")))
    return [b for b in blocks if b]


def _cost_table(w: Wording, cost: str, pays: str, council_pays: str) -> Block:
    lab = w["label"]
    return table(
        w["heading"]["cost_of_care"],
        [lab["what_we_counted"], lab["a_week"]],
        [(lab["care_cost"], cost, False), (lab["you_pay"], pays, True), (lab["council_pays"], council_pays, False)],
    )


# --- each scenario -------------------------------------------------------------------------


def _pending(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h = w["heading"]
    sections = [
        section(h["what_happens_next"], p(t("pending", "next")), p(t("pending", "next_backdate"))),
        section(h["what_we_count"], ul(t.list("pending", "count")), p(t("pending", "mig"))),
        section(h["capital_limits"], p(t("pending", "upper")), p(t("pending", "tariff")), p(t("pending", "lower"))),
        section(h["what_is_free"], ul(t.list("pending", "free"))),
        section(h["no_assessment"], p(t("pending", "no_assessment"))),
    ]
    if fa.weekly_care_cost is not None:
        sections.append(section(h["cost_of_care"], p(t("pending", "cost"))))
    headline = {"title": t("pending", "headline"), "amount": "", "detail": t("pending", "detail")}
    return headline, [p(t("pending", "intro"))], sections


def _assessed(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h = w["heading"]
    sections = [section(h["worked_out"], _working_table(letter, w, figures) or p(w["text"]["not_recorded"]), *_explain(letter, t, figures))]
    if fa.weekly_care_cost is not None and fa.weekly_charge is not None:
        sections.append(
            section(
                h["cost_of_care"],
                p(t("assessed", "cost")),
                _cost_table(w, t.params["cost"], t.params["amount"], t.params["council_pays"]),
            )
        )
    headline = {"title": t("assessed", "headline"), "amount": t.params["amount_week"], "detail": t("assessed", "detail")}
    return headline, [p(t("assessed", "intro"))], sections


def _nil(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h = w["heading"]
    worked = _working_table(letter, w, figures)
    sections = [section(h["worked_out"], *([worked, *_explain(letter, t, figures)] if worked else []), p(t("nil", "why")))]
    if fa.weekly_care_cost is not None:
        sections.append(
            section(h["cost_of_care"], p(t("nil", "cost")), _cost_table(w, t.params["cost"], money(Decimal(0)), t.params["cost"]))
        )
    headline = {"title": t("nil", "headline"), "amount": f"{money(Decimal(0))} {w['label']['each_week']}", "detail": t("nil", "detail")}
    return headline, [p(t("nil", "intro"))], sections


def _full_cost(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    if fa.refused_assessment or fa.capital is None:
        intro = [p(t("full_cost", "intro_refused"))] if fa.refused_assessment else []
    else:
        intro = [p(t("full_cost", "intro_capital"))]
    sections = []
    if fa.arrangement_fee:
        sections.append(
            section(
                h["arranging"],
                p(t("full_cost", "fee")),
                table(
                    h["arranging"],
                    [lab["what_we_counted"], lab["a_week"]],
                    [
                        (lab["care_cost"], t.params["amount"], False),
                        (lab["arrangement_fee"], t.params["fee"], False),
                        (lab["total"], t.params["total"], True),
                    ],
                ),
                p(t("full_cost", "fee_total")),
            )
        )
    sections.append(section(h["cost_of_care"], p(t("full_cost", "cost")),
                            _cost_table(w, t.params["cost"], t.params["amount"], money(Decimal(0)))))
    sections.append(section(h["savings_go_down"], p(t("full_cost", "savings"))))
    headline = {"title": t("full_cost", "headline"), "amount": t.params["amount_week"], "detail": t("full_cost", "detail")}
    return headline, intro, sections


def _s117(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    free = [s for s in letter.services if s.s117]
    other = [s for s in letter.services if not s.s117]
    sections = [
        section(
            h["s117_free"],
            p(t("s117", "free_list")),
            table(h["s117_free"], [lab["service"], lab["cost"]], [(s.description, lab["free"], False) for s in free]),
            p(t("s117", "lasts")),
        )
    ]
    if other:
        blocks = [
            p(t("s117", "other")),
            table(
                h["s117_other"],
                [lab["service"], lab["cost"]],
                [(s.description, money(s.weekly_cost) if s.weekly_cost is not None else "", False) for s in other],
            ),
        ]
        if fa.weekly_charge:
            blocks.append(p(t("s117", "other_charge")))
            worked = _working_table(letter, w, figures)
            if worked:
                blocks += [worked, *_explain(letter, t, figures)]
        else:
            blocks.append(p(t("s117", "other_none")))
        sections.append(section(h["s117_other"], *blocks))
    charged = bool(fa.weekly_charge)
    headline = {
        "title": t("s117", "headline"),
        "amount": t.params["amount_week"] if charged else "",
        "detail": t("s117", "detail_charge" if charged else "detail_free"),
    }
    return headline, [p(t("s117", "intro"))], sections


def _deferred(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> tuple[dict[str, str], list[Block], list[Section]]:
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    sections = []
    worked = _working_table(letter, w, figures)
    if worked:
        sections.append(section(h["worked_out"], worked, *_explain(letter, t, figures, at_home=False), p(t("deferred_payment", "pea"))))
    if fa.weekly_care_cost is not None and fa.weekly_charge is not None:
        rows = [
            (lab["care_home_cost"], t.params["cost"], False),
            (lab["you_pay_income"], t.params["amount"], True),
            (lab["could_defer"], t.params["deferred"], False),
        ]
        sections.append(section(h["cost_of_care"], p(t("deferred_payment", "cost")),
                                table(h["cost_of_care"], [lab["what_we_counted"], lab["a_week"]], rows),
                                p(t("deferred_payment", "property")) if fa.property_value is not None else None))
    sections += [
        section(h["deferred_what"], ul(t.list("deferred_payment", "what"))),
        section(h["deferred_who"], p(t("deferred_payment", "who"))),
        section(h["deferred_next"], p(t("deferred_payment", "next"))),
    ]
    if fa.weekly_charge is not None:
        headline = {"title": t("deferred_payment", "headline"), "amount": t.params["amount_week"],
                    "detail": t("deferred_payment", "detail")}
    else:
        headline = {"title": t("deferred_payment", "headline_pending"), "amount": "",
                    "detail": t("deferred_payment", "detail_pending")}
    return headline, [p(t("deferred_payment", "intro"))], sections


Scenario = Callable[[LetterRecord, Wording, _Text, Figures], tuple[dict[str, str], list[Block], list[Section]]]
SCENARIOS: dict[S, Scenario] = {
    S.pending: _pending,
    S.assessed: _assessed,
    S.nil: _nil,
    S.full_cost: _full_cost,
    S.s117: _s117,
    S.deferred_payment: _deferred,
}


# --- what every letter says ----------------------------------------------------------------


def _pay(letter: LetterRecord, t: _Text) -> list[Block]:
    fa = letter.financial_assessment
    if fa.scenario is S.pending or (fa.scenario is S.deferred_payment and fa.weekly_charge is None):
        return [p(t("text", "pay_later"))]
    if not fa.weekly_charge and not (fa.scenario is S.full_cost and fa.weekly_care_cost):
        return [p(t("text", "pay_nothing"))]
    if letter.payment_method is PaymentMethod.direct_debit:
        return [p(t("text", "paying_direct_debit"))]
    if letter.payment_method is PaymentMethod.invoice:
        return [p(t("text", "paying_invoice"))]
    return [p(t("text", "pay_direct_debit")), p(t("text", "pay_invoice"))]


def _review(letter: LetterRecord, t: _Text) -> list[Block]:
    if letter.financial_assessment.scenario is S.pending:
        return [p(t("text", "review_pending")), p(t("text", "review_how"))]
    return [p(t("text", "review")), p(t("text", "review_by")), p(t("text", "review_how"))]


def _address_lines(letter: LetterRecord) -> list[str]:
    address = letter.recipient.address
    lines = [letter.recipient.name]
    if address is not None:
        lines += [*address.lines, address.postcode]
    return lines


def _fit(lines: list[str]) -> str:
    """A size class so the whole address fits the window (7 lines, or long lines, print smaller)."""
    longest = max((len(line) for line in lines), default=0)
    if len(lines) >= 7 or longest > MAX_LINE_CHARS:
        return "fit-smallest"
    if len(lines) == 6 or longest > 38:
        return "fit-smaller"
    return "fit-normal"


def _params(letter: LetterRecord, figures: Figures, council: dict[str, Any], contact: dict[str, str], each_week: str) -> dict[str, str]:
    fa = letter.financial_assessment
    charge = fa.weekly_charge if fa.weekly_charge is not None else (fa.weekly_care_cost if fa.scenario is S.full_cost else None)
    cost = fa.weekly_care_cost if fa.weekly_care_cost is not None else (charge if fa.scenario is S.full_cost else None)
    fee = fa.arrangement_fee or Decimal(0)
    tariff = tariff_income(fa.capital, figures) if fa.capital is not None else Decimal(0)
    days = dt.timedelta(days=figures.review_within_days)
    review_by = letter.letter_date + days if letter.letter_date <= dt.date.max - days else dt.date.max

    def m(value: Decimal | None) -> str:
        return money(value) if value is not None else ""

    return {
        "amount": m(charge),
        "amount_week": f"{m(charge)} {each_week}" if charge is not None else "",
        "start": long_date(fa.charge_from) if fa.charge_from else "",
        "cost": m(cost),
        "council_pays": m(max(cost - charge, Decimal(0))) if cost is not None and charge is not None else "",
        "deferred": m(max(cost - charge, Decimal(0))) if cost is not None and charge is not None else "",
        "capital": m(fa.capital),
        "tariff": money(fa.tariff_income if fa.tariff_income is not None else tariff),
        "property": m(fa.property_value),
        "fee": money(fee),
        "total": m(charge + fee) if charge is not None else "",
        "period_amount": m((charge + fee) * figures.invoice_every_weeks) if charge is not None else "",
        "upper": easy_money(figures.upper_capital_limit),
        "lower": easy_money(figures.lower_capital_limit),
        "tariff_rate": easy_money(figures.tariff_income_per_step),
        "tariff_step": easy_money(figures.tariff_step),
        "pea": easy_money(figures.personal_expenses_allowance),
        "minor_adaptations": easy_money(figures.minor_adaptations_limit),
        "year": figures.year,
        "review_by": long_date(review_by),
        "review_days": str(figures.review_within_days),
        "invoice_weeks": str(figures.invoice_every_weeks),
        "phone": contact["phone"],
        "email": contact["email"],
        "reference": letter.reference,
        "council": council["name"],
        "address": ", ".join(council["address"]),
        "person": letter.person_name or letter.recipient.name,
        "name": letter.recipient.salutation or letter.recipient.name,
    }


def build_letter_view(doc: Plan | LetterRecord, profile: Profile, report: Report, draft: bool) -> dict[str, Any]:
    """The template context for the charging letter."""
    letter = as_letter(doc)
    w = Wording("charging_letter", profile)
    figures = figures_for(letter.letter_date, profile)
    council = council_view(profile)
    officer = letter.contact
    contact = {
        "name": officer.name if officer else "",
        "job_title": (officer.job_title or "") if officer else "",
        "phone": (officer.phone if officer and officer.phone else council["phone"]),
        "email": (officer.email if officer and officer.email else council["email"]),
    }
    params = _params(letter, figures, council, contact, w["label"]["each_week"])
    t = _Text(w, params)
    fa = letter.financial_assessment
    headline, intro, sections = SCENARIOS[fa.scenario](letter, w, t, figures)
    h, ch = w["heading"], w.common["heading"]
    sections += [
        section(h["pay"], *_pay(letter, t)),
        section(ch["changes"], p(w["text"]["changes"])),
        section(h["review"], *_review(letter, t)),
        section(ch["complain"], p(t.common("complain")), p(t.common("ombudsman"))),
        section(ch["other_format"], p(t.common("other_format"))),
    ]
    cl = w.common["label"]
    contact_rows = [
        {"label": cl["contact_officer"], "value": ", ".join(x for x in (contact["name"], contact["job_title"]) if x) or council["department"]},
        {"label": cl["phone"], "value": contact["phone"]},
        {"label": cl["email"], "value": contact["email"]},
        {"label": cl["reference"], "value": letter.reference},
    ]
    address = _address_lines(letter)
    name = letter.person_name or letter.recipient.name
    text = w["text"]
    return {
        "doc": document_meta(w["title"]["document"], name, letter.reference, letter.letter_date, text["confidential"]),
        "council": council,
        "w": {"heading": h, "label": w["label"], "text": text, "common": {"heading": ch, "label": cl}},
        "draft": draft_view(draft or not report.complete or (isinstance(doc, Plan) and doc.status is PlanStatus.draft), report, text),
        "scenario": fa.scenario.value,
        "address": {"lines": address, "fit": _fit(address)},
        "contact": contact,
        "contact_rows": contact_rows,
        "date": long_date(letter.letter_date),
        "reference": letter.reference,
        "dear": text["dear"].format(**params),
        "about_person": text["about_person"].format(**params) if letter.person_name else "",
        "heading": h["letter"],
        "headline": headline,
        "intro": intro,
        "sections": sections,
        "quote_reference": t.common("quote_reference"),
        "sign_off": {
            "closing": text["sign_off"],
            "name": contact["name"],
            "job_title": contact["job_title"],
            "for_council": text["for_council"].format(**params),
        },
        "slip": {
            "cut": text["cut_here"],
            "heading": h["slip"],
            "statement": text["slip_statement"],
            "about": text["slip_about"].format(**params) if letter.person_name else "",
            "reference": letter.reference,
            "return": text["slip_return"].format(**params),
        },
        "figures": {"year": figures.year, "upper": params["upper"], "lower": params["lower"]},
    }
