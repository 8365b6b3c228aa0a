"""The direct payment agreement summary, composed from the plan (documents.md section 4).

Made from the plan's ``direct_payment``, written to whoever holds the payment. Words come
from ``data/wording/dp_summary.toml``, the holder and account labels from ``labels.toml``
and how to complain from ``common.toml``.
"""

from __future__ import annotations

from doctool.compose.common import bullets, draft_state, fields, grid, letterhead, page_words, para, section
from doctool.document import Block, Date, Document, Email, Field, Meta, Money, Phone, Reference, Slip, Text, fill
from doctool.findings import Report
from doctool.model.plan import HolderType, Plan, PlanStatus
from doctool.profiles import Profile
from doctool.wording import Wording

#: Employer responsibilities in the order the summary lists them: (wording key, field).
DUTIES = (
    ("insurance", "employers_liability_insurance"),
    ("payroll", "payroll_provider"),
    ("pension", "pension_auto_enrolment"),
    ("right_to_work", "right_to_work_checks"),
    ("dbs", "dbs_checks"),
    ("redundancy", "redundancy_cover"),
)


def compose_dp_summary(plan: Plan, profile: Profile, report: Report, draft: bool) -> Document:
    """The direct payment agreement summary as a document."""
    dp = plan.direct_payment
    if dp is None:
        raise ValueError("the plan has no direct payment")
    w = Wording("dp_summary", profile)
    h, lab, text = w["heading"], w["label"], w["text"]
    head = letterhead(profile)
    person = plan.person.full_name
    holder = dp.holder.name if dp.holder else person
    support = dp.support_service or head.department
    contribution_period = dp.contribution_frequency or dp.frequency or "four_weekly"
    params: dict[str, Text] = {
        "person": person,
        "holder": holder,
        "council": head.council,
        "phone": Phone(head.phone),
        "email": Email(head.email),
        "reference": Reference(plan.person.reference),
        "support": support,
        "amount": Money(dp.amount, dp.frequency.value) if dp.amount is not None and dp.frequency else "",
        "start": Date(dp.start_date) if dp.start_date else "",
        "first_review": Date(dp.first_review_date) if dp.first_review_date else "",
        "contribution": Money(dp.person_contribution, str(getattr(contribution_period, "value", contribution_period)))
        if dp.person_contribution
        else "",
    }

    def t(key: str) -> Text:
        return fill(text[key], **params)

    def tl(key: str) -> list[Text]:
        return [fill(item, **params) for item in text[key]]

    not_recorded = text["not_recorded"]

    # who holds it
    holder_rows = [(lab["person"], person)]
    if dp.holder:
        holder_rows += [
            (lab["holder"], dp.holder.name),
            (lab["holder_type"], w["holder_type"][dp.holder.type.value]),
            (str(fill(lab["relationship"], **params)), dp.holder.relationship or ""),
            (lab["basis"], dp.holder.basis or ""),
        ]
        holder_text = {HolderType.person: "holder_person", HolderType.nominated: "holder_nominated",
                       HolderType.authorised: "holder_authorised"}[dp.holder.type]
    else:
        holder_rows.append((lab["holder"], not_recorded))
        holder_text = "holder_person"

    # what it pays for
    needs = [w.label("domain", n.domain) for nid in dp.need_ids if (n := plan.need(nid))]
    outcomes = {o.id: o.in_own_words for o in plan.outcomes or []}
    outcome_words = [f"\u201c{outcomes[i]}\u201d" for i in dp.outcome_ids if i in outcomes]

    # money
    money_rows = [
        (lab["amount"], params["amount"] or not_recorded),
        (lab["in_advance"], text["in_advance"] if dp.paid_in_advance else text["in_arrears"]),
        (lab["start"], params["start"] or not_recorded),
    ]
    if dp.person_contribution:
        contribution = [
            fields([(lab["contribution"], params["contribution"]), (lab["how_to_pay_in"], text["standing_order"])]),
            para(t("contribution")),
            para(t("contribution_not_dp")),
        ]
    else:
        contribution = [para(t("no_contribution"))]

    # account
    account = (
        [fields([(lab["account"], w.label("account", dp.account))]), para(t(f"account_{dp.account.value}"))]
        if dp.account
        else [para(not_recorded)]
    )

    sections = [
        section(h["about"], para(t("intro")), para(t("for_holder")) if dp.holder and dp.holder.type is not HolderType.person else None),
        section(h["holder"], fields(holder_rows), para(t(holder_text))),
        section(
            h["pays_for"],
            para(t("pays_for")),
            bullets(needs) if needs else para(not_recorded),
            para(t("outcomes")) if outcome_words else None,
            bullets(outcome_words) if outcome_words else None,
        ),
        section(h["money"], fields(money_rows)),
        section(h["contribution"], *contribution),
        section(h["account"], *account),
        section(h["can_use"], bullets(tl("can_use"))),
        section(h["cannot_use"], bullets(tl("cannot_use"))),
        section(h["records"], bullets(tl("records"))),
    ]

    # employing a personal assistant
    if dp.employs_personal_assistant or dp.personal_assistants:
        costs = dp.employer_costs
        duty_rows = []
        for key, field in DUTIES:
            value = getattr(costs, field) if costs else None
            status = lab["confirmed"] if value else lab["not_confirmed"]
            if key == "payroll" and isinstance(value, str):
                status = f"{lab['confirmed']}: {value}"
            duty_rows.append([w["duty"][key], t(f"duty_{key}"), status])
        blocks: list[Block | None] = [
            para(t("employer_intro")),
            grid([lab["responsibility"], lab["what_to_do"], lab["status"]], duty_rows, caption=lab["duties"]),
        ]
        if dp.personal_assistants:
            blocks.append(
                grid(
                    [lab["role"], lab["hours"], lab["rate"]],
                    [[pa.role, f"{pa.hours_per_week.normalize():f}", Money(pa.hourly_rate)] for pa in dp.personal_assistants],
                    caption=lab["assistants"],
                )
            )
        if costs and costs.weekly_amount:
            blocks.append(fields([(lab["employer_costs"], Money(costs.weekly_amount, "weekly"))], caption=lab["employer_money"]))
        blocks.append(para(t("employer_support")))
        sections.append(section(h["employer"], *blocks))

    contingency = dp.contingency or (plan.contingency.plan if plan.contingency else None)
    sections += [
        section(h["contingency"], para(contingency or t("contingency_none")), para(t("contingency_call"))),
        section(h["review"], para(t("review") if dp.first_review_date else t("review_none")), para(t("review_sooner"))),
        section(h["ends"], bullets(tl("ends"))),
    ]

    # contacts
    authority = plan.signatures.authority if plan.signatures else None
    officer = f"{authority.name}, {authority.job_title}" if authority else (plan.review.reviewer if plan.review and plan.review.reviewer else "")
    contact_cells: list[tuple[str, Text]] = [(head.department, t("council_contact"))]
    if officer:
        contact_cells.append((lab["council_contact"], officer))
    if dp.support_service:
        contact_cells.append((lab["support"], dp.support_service))
    cl = w.common["label"]
    common = w.common["text"]
    sections += [
        section(
            h["contacts"],
            fields([*contact_cells, (cl["reference"], Reference(plan.person.reference))]),
        ),
        section(
            w.common["heading"]["complain"],
            para(fill(common["complain"], **params)),
            para(fill(common["ombudsman"], **params)),
        ),
        section(w.common["heading"]["other_format"], para(fill(common["other_format"], **params))),
    ]
    sections.append(
        section(
            h["signature"],
            Slip(
                cut="",
                heading=h["signature"],
                statement=t("declaration"),
                fields=(Field(lab["name"], holder),),
                blanks=(lab["signature"], lab["date"]),
            ),
            key="signature",
        )
    )
    is_draft = draft or plan.status is PlanStatus.draft or not report.complete
    return Document(
        meta=Meta(
            kind="dp-summary",
            title=w["title"]["document"],
            person=person,
            reference=plan.person.reference,
            date=plan.plan_date,
            footer=text["confidential"],
            subtitle=(person, fill(f"{cl['reference']} {{r}}", r=Reference(plan.person.reference)), Date(plan.plan_date)),
        ),
        letterhead=head,
        draft=draft_state(is_draft, report, text),
        sections=tuple(sections),
        words=page_words(w.common),
    )
