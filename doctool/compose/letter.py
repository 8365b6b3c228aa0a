"""The charging letter, composed from a letter record (or the letter made from a plan or a review).

The letter is the same for a standalone record, a plan and a review (see
:func:`doctool.letters.as_letter`). Its words come from ``data/wording/charging_letter.toml``
(and ``common.toml``), its figures from the charging figures in force on the letter
date: nothing here states a limit or an allowance. Sums and dates stay values
(:class:`~doctool.document.Money`, :class:`~doctool.document.Date`) inside the sentences,
so the audio copy says them as well as the paper prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TypedDict

from doctool.charging import Figures, above_upper_limit, figures_for, tariff_income, working
from doctool.compose.common import bullets, draft_state, fields, grid, letterhead, page_words, para, section, sums
from doctool.document import (
    Block,
    Callout,
    Date,
    Document,
    Email,
    Field,
    LetterFrame,
    Meta,
    Money,
    Phone,
    Reference,
    Section,
    SignOff,
    Slip,
    Text,
    fill,
)
from doctool.findings import Report
from doctool.letters import as_letter
from doctool.model.letter import LetterRecord, PaymentMethod, Recipient
from doctool.model.plan import ChargingScenario as S
from doctool.model.plan import DeferredStatus, Plan, PlanStatus, RecipientRole
from doctool.model.review import ReviewRecord
from doctool.notify import address_fit
from doctool.profiles import Profile
from doctool.wording import Wording

Parts = tuple[Callout, list[Block], list[Section]]


def p(text: Text) -> Block:
    block = para(text)
    assert block is not None
    return block


def ul(items: list[Text]) -> Block:
    block = bullets(items)
    assert block is not None
    return block


class _Text:
    """Wording lookups with the letter's placeholders filled in (values kept as values)."""

    def __init__(self, w: Wording, params: dict[str, Text]) -> None:
        self.w, self.params = w, params

    def __call__(self, table_name: str, key: str) -> Text:
        return fill(self.w[table_name][key], **self.params)

    def list(self, table_name: str, key: str) -> list[Text]:
        return [fill(item, **self.params) for item in self.w[table_name][key]]

    def common(self, key: str) -> Text:
        return fill(self.w.common["text"][key], **self.params)


# --- the figures and how they were worked out ----------------------------------------------


def _working_table(letter: LetterRecord, w: Wording, figures: Figures) -> Block | None:
    fa = letter.financial_assessment
    if not fa.income:
        return None
    lab = w["label"]
    worked = working(fa, figures)
    rows: list[tuple[str, Text, bool]] = [(line.label, Money(line.weekly), False) for line in fa.income]
    rows.append((lab["total_income"], Money(worked.income), True))
    rows += [(f"{lab['allowance']} {line.label}", Money(line.weekly), False) for line in fa.allowances]
    if fa.disability_related_expenditure is not None:
        rows.append((lab["dre"], Money(fa.disability_related_expenditure), False))
    if fa.housing_costs is not None:
        rows.append((lab["housing"], Money(fa.housing_costs), False))
    if fa.capital is not None or worked.tariff:
        rows.append((lab["tariff"], Money(worked.tariff), False))
    charge = fa.weekly_charge if fa.weekly_charge is not None else worked.charge
    rows.append((lab["you_pay_week"], Money(charge), True))
    return sums([lab["what_we_counted"], lab["a_week"]], rows, caption=w["caption"]["worked_out"])


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
    capital = _capital_text(letter, t, figures)
    if capital:
        blocks.append(capital)
    if working(fa, figures).capped:
        blocks.append(p(t("assessed", "capped")))
    return [b for b in blocks if b]


def _cost_table(w: Wording, cost: Text, pays: Text, council_pays: Text) -> Block:
    """The cost and who pays it: its own caption and column heading (not "What we counted",
    which a screen reader would read before "What the council pays")."""
    lab = w["label"]
    return sums([lab["cost_part"], lab["a_week"]],
        [(lab["care_cost"], cost, False), (lab["you_pay"], pays, True), (lab["council_pays"], council_pays, False)],
        caption=w["caption"]["cost"],
    )


# --- each scenario -------------------------------------------------------------------------


def _pending(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
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
    headline = Callout(t("pending", "headline"), "", t("pending", "detail"))
    return headline, [p(t("pending", "intro"))], sections


def _assessed(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
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
    headline = Callout(t("assessed", "headline"), t.params["amount_week"], t("assessed", "detail"))
    return headline, [p(t("assessed", "intro"))], sections


def _nil(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
    fa = letter.financial_assessment
    h = w["heading"]
    worked = _working_table(letter, w, figures)
    sections = [section(h["worked_out"], *([worked, *_explain(letter, t, figures)] if worked else []), p(t("nil", "why")))]
    if fa.weekly_care_cost is not None:
        sections.append(
            section(h["cost_of_care"], p(t("nil", "cost")), _cost_table(w, t.params["cost"], Money(Decimal(0)), t.params["cost"]))
        )
    headline = Callout(t("nil", "headline"), fill(f"{{amount}} {w['label']['each_week']}", amount=Money(Decimal(0))), t("nil", "detail"))
    return headline, [p(t("nil", "intro"))], sections


def _full_cost(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
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
                sums([lab["paid_for"], lab["a_week"]],
                    [
                        (lab["care_cost"], t.params["amount"], False),
                        (lab["arrangement_fee"], t.params["fee"], False),
                        (lab["total"], t.params["total"], True),
                    ],
                    caption=w["caption"]["arranging"],
                ),
                p(t("full_cost", "fee_total")),
            )
        )
    sections.append(section(h["cost_of_care"], p(t("full_cost", "cost")),
                            _cost_table(w, t.params["cost"], t.params["amount"], Money(Decimal(0)))))
    sections.append(section(h["savings_go_down"], p(t("full_cost", "savings"))))
    headline = Callout(t("full_cost", "headline"), t.params["amount_week"], t("full_cost", "detail"))
    return headline, intro, sections


def _s117_free(letter: LetterRecord, w: Wording, t: _Text) -> Section | None:
    """The after-care under s117 is free: said in every letter that names such services."""
    free = [s for s in letter.services if s.s117]
    if not free:
        return None
    lab = w["label"]
    return section(
        w["heading"]["s117_free"],
        p(t("s117", "free_list")),
        grid(
            [lab["service"], lab["cost"]],
            [(s.description, fill(lab["free_costs"], cost=Money(s.weekly_cost)) if s.weekly_cost is not None else lab["free"]) for s in free],
            caption=w["caption"]["s117_free"],
        ),
        p(t("s117", "lasts")),
    )


def _s117(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    other = [s for s in letter.services if not s.s117]
    sections = [s for s in (_s117_free(letter, w, t),) if s is not None]
    if other:
        blocks = [
            p(t("s117", "other")),
            sums([lab["service"], lab["cost"]],
                [(s.description, Money(s.weekly_cost) if s.weekly_cost is not None else "", False) for s in other],
                caption=w["caption"]["s117_other"],
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
    headline = Callout(
        t("s117", "headline"),
        t.params["amount_week"] if charged else "",
        t("s117", "detail_charge" if charged else "detail_free"),
    )
    # all of the care is after-care: not "some of your care"
    return headline, [p(t("s117", "intro" if other or not letter.services else "intro_all"))], sections


def _dpa_terms(letter: LetterRecord, w: Wording, t: _Text) -> Block | None:
    """The terms of a deferred payment agreement, as far as they are recorded."""
    dpa = letter.financial_assessment.deferred_payment
    if dpa is None:
        return None
    lab = w["label"]
    if dpa.interest_rate is None:
        rate: Text = ""
    else:
        rate = t("deferred_payment", "rate_until" if dpa.interest_rate_until else "rate")
    fee: Text = ""
    if dpa.setup_fee is not None:
        fee = t("deferred_payment", "fee_added") if dpa.setup_fee_added_to_debt else Money(dpa.setup_fee)
    return fields(
        [
            (lab["dpa_start"], Date(dpa.start_date) if dpa.start_date else ""),
            (lab["dpa_weekly"], Money(dpa.weekly_amount, "weekly") if dpa.weekly_amount is not None else ""),
            (lab["dpa_rate"], rate),
            (lab["dpa_fee"], fee),
        ]
    )


def _care_home_costs(
    letter: LetterRecord, w: Wording, t: _Text, figures: Figures, deferred: tuple[str, Text, bool], cost_text: str
) -> list[Section]:
    """How the charge was worked out, and the care home's cost split into what the person
    pays from income and what is (or could be) deferred: one layout for an offer and an
    agreement in place, which differ only in that last row and the sentence above it."""
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    sections = []
    worked = _working_table(letter, w, figures)
    if worked:
        sections.append(section(h["worked_out"], worked, *_explain(letter, t, figures, at_home=False), p(t("deferred_payment", "pea"))))
    if fa.weekly_care_cost is not None and fa.weekly_charge is not None:
        rows = [(lab["care_home_cost"], t.params["cost"], False), (lab["you_pay_income"], t.params["amount"], True), deferred]
        sections.append(section(h["cost_of_care"], p(t("deferred_payment", cost_text)),
                                sums([lab["cost_part"], lab["a_week"]], rows, caption=w["caption"]["care_home"]),
                                p(t("deferred_payment", "property")) if fa.property_value is not None else None))
    return sections


def _deferred_in_place(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
    """A deferred payment agreement already in place: the letter states it, not an offer."""
    h, lab = w["heading"], w["label"]
    sections = _care_home_costs(letter, w, t, figures, (lab["deferred_week"], t.params["dpa_weekly"], False), "cost_in_place")
    sections.append(
        section(
            h["deferred_agreement"],
            p(t("deferred_payment", "agreement")),
            p(t("deferred_payment", "agreement_terms")),
            _dpa_terms(letter, w, t),
            p(t("deferred_payment", "repay")),
            p(t("deferred_payment", "statement")),
        )
    )
    headline = Callout(t("deferred_payment", "headline_in_place"), t.params["amount_week"], t("deferred_payment", "detail_in_place"))
    return headline, [p(t("deferred_payment", "intro_in_place"))], sections


def _deferred(letter: LetterRecord, w: Wording, t: _Text, figures: Figures) -> Parts:
    fa = letter.financial_assessment
    h, lab = w["heading"], w["label"]
    dpa = fa.deferred_payment
    if dpa is not None and dpa.status is DeferredStatus.in_place:
        return _deferred_in_place(letter, w, t, figures)
    sections = _care_home_costs(letter, w, t, figures, (lab["could_defer"], t.params["deferred"], False), "cost")
    sections += [
        section(h["deferred_what"], ul(t.list("deferred_payment", "what"))),
        *([section(h["deferred_offer"], p(t("deferred_payment", "offer_terms")), _dpa_terms(letter, w, t))] if dpa else []),
        section(h["deferred_who"], p(t("deferred_payment", "who"))),
        section(h["deferred_next"], p(t("deferred_payment", "next"))),
    ]
    if fa.weekly_charge is not None:
        headline = Callout(t("deferred_payment", "headline"), t.params["amount_week"], t("deferred_payment", "detail"))
    else:
        headline = Callout(t("deferred_payment", "headline_pending"), "", t("deferred_payment", "detail_pending"))
    return headline, [p(t("deferred_payment", "intro"))], sections


Scenario = Callable[[LetterRecord, Wording, _Text, Figures], Parts]
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
    # The date to ask by is the one thing the reader must act on: it is printed in bold.
    deadline = para(t("text", "review_by"), "strong")
    assert deadline is not None
    return [p(t("text", "review")), deadline, p(t("text", "review_how"))]


def _address_lines(letter: LetterRecord) -> list[str]:
    address = letter.recipient.address
    lines = [letter.recipient.name]
    if address is not None:
        lines += [*address.lines, address.postcode]
    return lines


class _Council(TypedDict):
    name: str
    address: list[str]


def _params(
    letter: LetterRecord, figures: Figures, council: _Council, contact: dict[str, str], each_week: str, capacity: str = ""
) -> dict[str, Text]:
    """The values a letter's wording may name in ``{braces}``."""
    fa = letter.financial_assessment
    charge = fa.weekly_charge if fa.weekly_charge is not None else (fa.weekly_care_cost if fa.scenario is S.full_cost else None)
    cost = fa.weekly_care_cost if fa.weekly_care_cost is not None else (charge if fa.scenario is S.full_cost else None)
    fee = fa.arrangement_fee or Decimal(0)
    tariff = tariff_income(fa.capital, figures) if fa.capital is not None else Decimal(0)
    days = dt.timedelta(days=figures.review_within_days)
    review_by = letter.letter_date + days if letter.letter_date <= dt.date.max - days else dt.date.max

    def m(value: Decimal | None) -> Text:
        return Money(value) if value is not None else ""

    def whole(value: Decimal) -> Money:
        return Money(value, whole_pounds=True)

    share = max(cost - charge, Decimal(0)) if cost is not None and charge is not None else None
    return {
        "amount": m(charge),
        "amount_week": fill(f"{{amount}} {each_week}", amount=Money(charge)) if charge is not None else "",
        "start": Date(fa.charge_from) if fa.charge_from else "",
        "assessed": Date(fa.assessment_date) if fa.assessment_date else "",
        "cost": m(cost),
        "council_pays": m(share),
        "deferred": m(share),
        "capital": m(fa.capital),
        "tariff": Money(fa.tariff_income if fa.tariff_income is not None else tariff),
        "property": m(fa.property_value),
        "fee": Money(fee),
        "total": m(charge + fee) if charge is not None else "",
        "period_amount": m((charge + fee) * figures.invoice_every_weeks) if charge is not None else "",
        "upper": whole(figures.upper_capital_limit),
        "lower": whole(figures.lower_capital_limit),
        "tariff_rate": whole(figures.tariff_income_per_step),
        "tariff_step": whole(figures.tariff_step),
        "pea": whole(figures.personal_expenses_allowance),
        "minor_adaptations": whole(figures.minor_adaptations_limit),
        "year": figures.year,
        "review_by": Date(review_by),
        "review_days": str(figures.review_within_days),
        "invoice_weeks": str(figures.invoice_every_weeks),
        "phone": Phone(contact["phone"]),
        "email": Email(contact["email"]),
        "reference": Reference(letter.reference),
        "council": council["name"],
        "address": ", ".join(council["address"]),
        "person": letter.person_name or letter.recipient.name,
        "name": letter.recipient.salutation or letter.recipient.name,
        "capacity": capacity,
        **_dpa_params(letter),
    }


def _dpa_params(letter: LetterRecord) -> dict[str, Text]:
    dpa = letter.financial_assessment.deferred_payment
    if dpa is None:
        return {"dpa_weekly": "", "dpa_rate": "", "dpa_fee": "", "dpa_start": "", "dpa_until": ""}
    return {
        "dpa_weekly": Money(dpa.weekly_amount) if dpa.weekly_amount is not None else "",
        "dpa_rate": f"{dpa.interest_rate.normalize():f}%" if dpa.interest_rate is not None else "",
        "dpa_fee": Money(dpa.setup_fee) if dpa.setup_fee is not None else "",
        "dpa_start": Date(dpa.start_date) if dpa.start_date else "",
        "dpa_until": Date(dpa.interest_rate_until) if dpa.interest_rate_until else "",
    }


def capacity_of(recipient: Recipient, w: Wording) -> str:
    """What the recipient is to the person: "attorney (Lasting Power of Attorney for ...)"."""
    if recipient.role is RecipientRole.person:
        return ""
    role = w.label("recipient_role", recipient.role)
    return f"{role} ({w.label('authority', recipient.authority)})" if recipient.authority else role


def compose_letter(record: Plan | LetterRecord | ReviewRecord, profile: Profile, report: Report, draft: bool) -> Document:
    """The charging letter as a document."""
    letter = as_letter(record)
    w = Wording("charging_letter", profile)
    figures = figures_for(letter.letter_date, profile)
    head = letterhead(profile)
    officer = letter.contact
    contact = {
        "name": officer.name if officer else "",
        "job_title": (officer.job_title or "") if officer else "",
        "phone": officer.phone if officer and officer.phone else head.phone,
        "email": officer.email if officer and officer.email else head.email,
    }
    council: _Council = {"name": head.council, "address": list(head.address)}
    capacity = capacity_of(letter.recipient, w)
    params = _params(letter, figures, council, contact, w["label"]["each_week"], capacity)
    t = _Text(w, params)
    fa = letter.financial_assessment
    headline, intro, sections = SCENARIOS[fa.scenario](letter, w, t, figures)
    if fa.scenario is not S.s117:
        free = _s117_free(letter, w, t)  # never left out, whatever the scenario (CL-S117-SCENARIO says so too)
        if free is not None:
            sections.insert(0, free)
    h, ch, cl, text = w["heading"], w.common["heading"], w.common["label"], w["text"]
    officer_line = ", ".join(x for x in (contact["name"], contact["job_title"]) if x) or head.department
    contact_fields = fields(
        [
            (cl["contact_officer"], officer_line),
            (cl["phone"], Phone(contact["phone"])),
            (cl["email"], Email(contact["email"])),
            (cl["reference"], Reference(letter.reference)),
        ]
    )
    sign_off = SignOff(text["sign_off"], contact["name"], contact["job_title"], str(fill(text["for_council"], **params)))
    lab = w["label"]
    if letter.person_name:
        # signed by whoever deals with the person's money, on the person's behalf, in a stated capacity
        slip_fields = [Field(cl["reference"], Reference(letter.reference)), Field(lab["on_behalf"], letter.person_name)]
        if capacity:
            slip_fields.append(Field(lab["capacity"], capacity))
        blanks = (lab["printed_name"], *(() if capacity else (lab["capacity_blank"],)), cl["signature"], cl["date"])
        slip = Slip(
            cut=text["cut_here"],
            heading=h["slip"],
            statement=fill(text["slip_statement_behalf"], **params),
            fields=tuple(slip_fields),
            blanks=blanks,
            return_to=fill(text["slip_return"], **params),
        )
    else:
        slip = Slip(
            cut=text["cut_here"],
            heading=h["slip"],
            statement=text["slip_statement"],
            fields=(Field(cl["reference"], Reference(letter.reference)),),
            blanks=(lab["printed_name"], cl["signature"], cl["date"]),
            return_to=fill(text["slip_return"], **params),
        )
    sections += [
        section(h["pay"], *_pay(letter, t)),
        section(ch["changes"], p(w["text"]["changes"])),
        section(h["review"], *_review(letter, t)),
        section(ch["complain"], p(t.common("complain")), p(t.common("ombudsman"))),
        section(ch["other_format"], p(t.common("other_format"))),
        section(ch["contact"], contact_fields, p(t.common("quote_reference")), sign_off, slip),
    ]
    frame_contact = [Field(cl["date"], Date(letter.letter_date)), Field(cl["reference"], Reference(letter.reference))]
    if contact["name"]:
        who = f"{contact['name']}, {contact['job_title']}" if contact["job_title"] else contact["name"]
        frame_contact.append(Field(cl["contact_officer"], who))
    frame_contact += [Field(cl["phone"], Phone(contact["phone"])), Field(cl["email"], Email(contact["email"]))]
    address = _address_lines(letter)
    name = letter.person_name or letter.recipient.name
    plan_draft = isinstance(record, Plan) and record.status is PlanStatus.draft
    preamble: list[Block] = []
    if letter.person_name:
        preamble.append(p(fill(text["about_person_role" if capacity else "about_person"], **params)))
        preamble.append(p(fill(text["you_means"], **params)))
    preamble += [headline, *intro]
    if fa.assessment_date and fa.scenario is not S.pending:
        preamble.append(p(fill(text["assessed_on"], **params)))
    return Document(
        meta=Meta(
            kind="charging-letter",
            title=w["title"]["document"],
            person=name,
            reference=letter.reference,
            date=letter.letter_date,
            footer=f"{cl['reference']}: {letter.reference}",
            heading=h["letter"],
        ),
        letterhead=head,
        draft=draft_state(draft or plan_draft or not report.complete, report, text),
        sections=tuple(sections),
        preamble=tuple(preamble),
        letter=LetterFrame(
            address=tuple(address),
            contact=tuple(frame_contact),
            address_fit=address_fit(address),
            salutation=str(fill(text["dear"], **params)),
        ),
        words=page_words(w.common),
    )
