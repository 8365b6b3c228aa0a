"""The direct payment agreement summary's Word view (until Word is rendered from the document model).

Made from the plan's ``direct_payment``, written to whoever holds the payment. Words come
from ``data/wording/dp_summary.toml``, the holder and account labels from ``labels.toml``
and how to complain from ``common.toml``.
"""

from __future__ import annotations

from typing import Any

from doctool.findings import Report
from doctool.formatting import long_date, money, money_per
from doctool.model.plan import HolderType, Plan, PlanStatus
from doctool.profiles import Profile
from doctool.view.common import (
    council_view,
    document_meta,
    draft_view,
    grid_block,
    kv_block,
    list_block,
    para_block,
    section,
)
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


def build_dp_summary_view(plan: Plan, profile: Profile, report: Report, draft: bool) -> dict[str, Any]:
    """The template context for the direct payment agreement summary."""
    dp = plan.direct_payment
    if dp is None:
        raise ValueError("the plan has no direct payment")
    w = Wording("dp_summary", profile)
    h, lab, text = w["heading"], w["label"], w["text"]
    council = council_view(profile)
    person = plan.person.full_name
    holder = dp.holder.name if dp.holder else person
    support = dp.support_service or council["department"]
    contribution_period = dp.contribution_frequency or dp.frequency or "four_weekly"
    params = {
        "person": person,
        "holder": holder,
        "council": council["name"],
        "phone": council["phone"],
        "email": council["email"],
        "reference": plan.person.reference,
        "support": support,
        "amount": money_per(dp.amount, dp.frequency.value) if dp.amount is not None and dp.frequency else "",
        "start": long_date(dp.start_date) if dp.start_date else "",
        "first_review": long_date(dp.first_review_date) if dp.first_review_date else "",
        "contribution": money_per(dp.person_contribution, contribution_period) if dp.person_contribution else "",
    }

    def t(key: str) -> str:
        return text[key].format(**params)

    def tl(key: str) -> list[str]:
        return [item.format(**params) for item in text[key]]

    not_recorded = text["not_recorded"]

    # who holds it
    holder_rows = [(lab["person"], person)]
    if dp.holder:
        holder_rows += [
            (lab["holder"], dp.holder.name),
            (lab["holder_type"], w["holder_type"][dp.holder.type.value]),
            (lab["relationship"].format(**params), dp.holder.relationship or ""),
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
            kv_block([(lab["contribution"], params["contribution"]), (lab["how_to_pay_in"], text["standing_order"])]),
            para_block(t("contribution")),
            para_block(t("contribution_not_dp")),
        ]
    else:
        contribution = [para_block(t("no_contribution"))]

    # account
    account = (
        [kv_block([(lab["account"], w.label("account", dp.account))]), para_block(t(f"account_{dp.account.value}"))]
        if dp.account
        else [para_block(not_recorded)]
    )

    sections = [
        section(h["about"], para_block(t("intro")), para_block(t("for_holder")) if dp.holder and dp.holder.type is not HolderType.person else None),
        section(h["holder"], kv_block(holder_rows), para_block(t(holder_text))),
        section(
            h["pays_for"],
            para_block(t("pays_for")),
            list_block(needs) if needs else para_block(not_recorded),
            para_block(t("outcomes")) if outcome_words else None,
            list_block(outcome_words) if outcome_words else None,
        ),
        section(h["money"], kv_block(money_rows)),
        section(h["contribution"], *contribution),
        section(h["account"], *account),
        section(h["can_use"], list_block(tl("can_use"))),
        section(h["cannot_use"], list_block(tl("cannot_use"))),
        section(h["records"], list_block(tl("records"))),
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
        blocks = [
            para_block(t("employer_intro")),
            grid_block("", [lab["responsibility"], lab["what_to_do"], lab["status"]], duty_rows),
        ]
        if dp.personal_assistants:
            blocks.append(
                grid_block(
                    "",
                    [lab["role"], lab["hours"], lab["rate"]],
                    [[pa.role, f"{pa.hours_per_week.normalize():f}", money(pa.hourly_rate)] for pa in dp.personal_assistants],
                )
            )
        if costs and costs.weekly_amount:
            blocks.append(kv_block([(lab["employer_costs"], money_per(costs.weekly_amount, "weekly"))]))
        blocks.append(para_block(t("employer_support")))
        sections.append(section(h["employer"], *blocks))

    contingency = dp.contingency or (plan.contingency.plan if plan.contingency else None)
    sections += [
        section(h["contingency"], para_block(contingency or t("contingency_none")), para_block(t("contingency_call"))),
        section(h["review"], para_block(t("review") if dp.first_review_date else t("review_none")), para_block(t("review_sooner"))),
        section(h["ends"], list_block(tl("ends"))),
    ]

    # contacts
    authority = plan.signatures.authority if plan.signatures else None
    officer = f"{authority.name}, {authority.job_title}" if authority else (plan.review.reviewer if plan.review and plan.review.reviewer else "")
    contact_cells = [[council["department"], t("council_contact")]]
    if officer:
        contact_cells.append([lab["council_contact"], officer])
    if dp.support_service:
        contact_cells.append([lab["support"], dp.support_service])
    cl = w.common["label"]
    common = w.common["text"]
    sections += [
        section(
            h["contacts"],
            kv_block([(a, b) for a, b in contact_cells] + [(cl["reference"], plan.person.reference)]),
        ),
        section(
            w.common["heading"]["complain"],
            para_block(common["complain"].format(**params)),
            para_block(common["ombudsman"].format(**params)),
        ),
        section(w.common["heading"]["other_format"], para_block(common["other_format"].format(**params))),
    ]
    is_draft = draft or plan.status is PlanStatus.draft or not report.complete
    return {
        "doc": document_meta(w["title"]["document"], person, plan.person.reference, plan.plan_date, text["confidential"]),
        "council": council,
        "w": {"heading": h, "label": lab, "text": text, "common": {"heading": w.common["heading"], "label": cl}},
        "draft": draft_view(is_draft, report, text),
        "sections": sections,
        "signature": {
            "heading": h["signature"],
            "declaration": t("declaration"),
            "holder": holder,
            "name_label": lab["name"],
            "signature_label": lab["signature"],
            "date_label": lab["date"],
        },
    }
