"""Writes the Word templates in ``templates/docx/`` from code, so they stay reviewable.

Run ``make templates`` after changing this file. Councils do not run this: they copy a
template, edit it in Word and point their profile at the copy.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx_builder import footer, header, loop_table, new_document, para, save, tag  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "templates" / "docx"

KV = (["{{ w.label.item }}", "{{ w.label.details }}"], [60, 114])


def kv(doc, loop_source: str) -> None:
    loop_table(doc, KV[0], f"row in {loop_source}", ["row.label", "row.value"], KV[1])


def letterhead(doc) -> None:
    tag(doc, "{%p if council.logo_path %}")
    doc.add_paragraph("{{ logo }}")
    tag(doc, "{%p endif %}")
    p = doc.add_paragraph()
    p.add_run("{{ council.name }}, {{ council.department }}").bold = True
    doc.add_paragraph("{{ council.address | join(', ') }}")
    doc.add_paragraph("Phone: {{ council.phone }}    Email: {{ council.email }}")


def draft_box(doc) -> None:
    tag(doc, "{%p if draft.on %}")
    doc.add_heading("{{ draft.title }}", level=1)
    doc.add_paragraph("{{ draft.intro }}")
    tag(doc, "{%p for item in draft.findings %}")
    doc.add_paragraph("{{ item.rule }}: {{ item.message }} ({{ item.source }})", style="List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def bullets(doc, source: str, empty: str = "{{ w.text.not_recorded }}") -> None:
    tag(doc, f"{{%p for item in {source} %}}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, f"{{%p if not {source} %}}")
    doc.add_paragraph(empty)
    tag(doc, "{%p endif %}")


def about(doc, who: str, heading: str, communication_always: bool) -> None:
    """The "about" part for the person or the carer: facts, their own words, strengths,
    network, communication and formats (a person's communication section is always there)."""
    doc.add_heading(f"{{{{ w.heading.{heading} }}}}", level=1)
    kv(doc, f"{who}.rows")
    for field in ("about_me", "lives_with"):
        tag(doc, f"{{%p if {who}.{field} %}}")
        doc.add_heading(f"{{{{ w.label.{field} }}}}", level=2)
        doc.add_paragraph(f"{{{{ {who}.{field} }}}}")
        tag(doc, "{%p endif %}")
    tag(doc, f"{{%p if {who}.strengths %}}")
    doc.add_heading("{{ w.label.strengths }}", level=2)
    bullets(doc, f"{who}.strengths")
    tag(doc, "{%p endif %}")
    tag(doc, f"{{%p if {who}.network %}}")
    doc.add_heading("{{ w.label.support_network }}", level=2)
    loop_table(doc, ["{{ w.label.name }}", "{{ w.label.relationship }}", "{{ w.label.phone }}"], f"c in {who}.network", ["c.name", "c.relationship", "c.phone"])
    tag(doc, "{%p endif %}")
    if not communication_always:
        tag(doc, f"{{%p if {who}.communication %}}")
    doc.add_heading("{{ w.label.communication }}", level=2)
    bullets(doc, f"{who}.communication")
    if not communication_always:
        tag(doc, "{%p endif %}")
    tag(doc, f"{{%p if {who}.formats %}}")
    para(doc, f"{{{{ {who}.formats }}}}", "{{ w.label.formats }}: ")
    tag(doc, "{%p endif %}")


def opening(reference: str, subtitle: str):
    """A new document opened the way every plan and summary opens: the header with the
    draft banner and ``reference``, the footer, the letterhead, the title, ``subtitle``
    and the draft box. Returns the document to carry on writing."""
    doc = new_document()
    doc.core_properties.title = "{{ doc.full_title }}"
    header(doc, "{% if draft.on %}{{ draft.banner }}{% endif %}", reference)
    footer(doc, "{{ doc.footer }}")
    letterhead(doc)
    doc.add_paragraph("{{ doc.title }}", style="Title")
    doc.add_paragraph(subtitle)
    draft_box(doc)
    return doc


def plan_template() -> None:
    doc = opening(
        "Reference: {{ doc.reference }}",
        "{{ person.name }} · {{ w.label.reference }} {{ doc.reference }} · {{ doc.date }}",
    )
    doc.add_paragraph("{{ intro }}")
    tag(doc, "{%p if combined_agreed %}")
    doc.add_paragraph("{{ combined_agreed }}")
    tag(doc, "{%p endif %}")

    about(doc, "person", "about_me", communication_always=True)
    tag(doc, "{%p if carer %}")
    about(doc, "carer", "about_carer", communication_always=False)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if cared_for %}")
    doc.add_heading("{{ w.heading.cared_for }}", level=1)
    doc.add_paragraph("{{ cared_for.name }} ({{ cared_for.relationship }})")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if carer_wishes %}")
    doc.add_heading("{{ w.heading.carer_wishes }}", level=1)
    kv(doc, "carer_wishes")
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.needs }}", level=1)
    tag(doc, "{%p for need in needs %}")
    doc.add_heading("{{ need.heading }}", level=2)
    doc.add_paragraph("{{ need.description }}")
    para(doc, "{{ need.eligibility }}{% if need.extent %}: {{ need.extent }}{% endif %}", "{{ w.label.eligibility }}: ")
    para(doc, "{{ need.met }}", "{{ w.label.met }} ")
    tag(doc, "{%p if need.fluctuation_plan %}")
    para(doc, "{{ need.fluctuation_plan }}", "{{ w.label.fluctuates }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if need.arrangements %}")
    loop_table(
        doc,
        ["{{ w.label.how_met }}", "{{ w.label.who }}", "{{ w.label.what }}", "{{ w.label.when }}"],
        "a in need.arrangements",
        ["a.how", "a.who", "a.what", "a.when"],
    )
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not needs %}")
    doc.add_paragraph("{{ w.text.not_recorded }}")
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.outcomes }}", level=1)
    tag(doc, "{%p for outcome in outcomes %}")
    doc.add_heading("“{{ outcome.heading }}”", level=2)
    tag(doc, "{%p if outcome.whose %}")
    para(doc, "{{ outcome.whose }}", "{{ w.label.who }}: ")
    tag(doc, "{%p endif %}")
    para(doc, "{{ outcome.needs }}", "{{ w.label.outcome_needs }}: ")
    tag(doc, "{%p if outcome.how %}")
    para(doc, "{{ outcome.how }}", "{{ w.label.outcome_how }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if outcome.measure %}")
    para(doc, "{{ outcome.measure }}", "{{ w.label.outcome_measure }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not outcomes %}")
    doc.add_paragraph("{{ w.text.not_recorded }}")
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.budget }}", level=1)
    tag(doc, "{%p if budget %}")
    kv(doc, "budget.rows")
    tag(doc, "{%p if budget.separate %}")
    doc.add_heading("{{ w.label.outside_budget }}", level=2)
    loop_table(doc, ["{{ w.label.item }}", "{{ w.label.why_separate }}", "{{ w.label.amount }}"], "s in budget.separate", ["s.item", "s.why", "s.amount"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    doc.add_paragraph("{{ w.text.not_recorded }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if services %}")
    doc.add_heading("{{ w.heading.services }}", level=2)
    loop_table(
        doc,
        ["{{ w.label.service }}", "{{ w.label.provider }}", "{{ w.label.frequency }}", "{{ w.label.weekly_cost }}"],
        "s in services",
        ["s.service", "s.provider", "s.frequency", "s.cost"],
    )
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if direct_payment %}")
    doc.add_heading("{{ w.heading.direct_payment }}", level=2)
    kv(doc, "direct_payment.rows")
    doc.add_paragraph("{{ direct_payment.use }}")
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.advice }}", level=1)
    doc.add_heading("{{ w.label.meet_or_reduce }}", level=2)
    bullets(doc, "advice.meet_or_reduce")
    doc.add_heading("{{ w.label.prevent_or_delay }}", level=2)
    bullets(doc, "advice.prevent_or_delay")
    tag(doc, "{%p if advice.not_met %}")
    doc.add_heading("{{ w.label.not_met }}", level=2)
    loop_table(doc, ["{{ w.label.need }}", "{{ w.label.why_not }}", "{{ w.label.what_can_help }}"], "n in advice.not_met", ["n.need", "n.reason", "n.help"])
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.keeping_safe }}", level=1)
    tag(doc, "{%p if risks %}")
    loop_table(
        doc,
        ["{{ w.label.risk }}", "{{ w.label.likely_harm }}", "{{ w.label.proactive }}", "{{ w.label.reactive }}"],
        "r in risks",
        ["r.risk", "r.harm", "r.proactive", "r.reactive"],
    )
    tag(doc, "{%p endif %}")
    doc.add_heading("{{ w.label.contingency }}", level=2)
    doc.add_paragraph("{{ contingency.plan or w.text.not_recorded }}")
    tag(doc, "{%p if contingency.contacts %}")
    doc.add_heading("{{ w.label.emergency_contacts }}", level=2)
    loop_table(doc, ["{{ w.label.name }}", "{{ w.label.relationship }}", "{{ w.label.phone }}"], "c in contingency.contacts", ["c.name", "c.relationship", "c.phone"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if contingency.keys_held %}")
    para(doc, "{{ contingency.keys_held }}", "{{ w.label.home_keys }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if contingency.pets %}")
    para(doc, "{{ contingency.pets }}", "{{ w.label.pets }}: ")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if other_plans or s117 or accommodation %}")
    doc.add_heading("{{ w.heading.other_plans }}", level=1)
    tag(doc, "{%p if s117 %}")
    doc.add_heading("{{ w.label.s117 }}", level=2)
    doc.add_paragraph("{{ s117.text }}")
    para(doc, "{{ s117.needs }}", "{{ w.text.s117_needs }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if accommodation %}")
    doc.add_heading("{{ w.label.accommodation }}", level=2)
    para(doc, " {{ accommodation.decision }}", "{{ accommodation.type }}.")
    doc.add_paragraph("{{ accommodation.evidence }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if other_plans %}")
    loop_table(doc, ["{{ w.label.item }}", "{{ w.label.what }}", "{{ w.label.who }}"], "p in other_plans", ["p.kind", "p.summary", "p.held_by"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    doc.add_heading("{{ w.heading.review }}", level=1)
    tag(doc, "{%p if review.rows %}")
    kv(doc, "review.rows")
    tag(doc, "{%p endif %}")
    doc.add_paragraph("{{ review.sooner }}")

    doc.add_heading("{{ w.heading.agreement }}", level=1)
    doc.add_heading("{{ w.label.involved }}", level=2)
    loop_table(doc, ["{{ w.label.name }}", "{{ w.label.role }}"], "p in involved", ["p.name", "p.role"])
    doc.add_heading("{{ w.label.signed_by }}", level=2)
    loop_table(
        doc,
        ["{{ w.label.role }}", "{{ w.label.name }}", "{{ w.label.signature }}", "{{ w.label.date }}"],
        "s in signatures",
        ["s.who", "s.name", "s.signed", "s.date"],
    )
    tag(doc, "{%p if unsigned_reason %}")
    para(doc, "{{ unsigned_reason }}", "{{ w.label.unsigned_reason }}: ")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if default_agreement %}")
    doc.add_paragraph("{{ default_agreement }}")
    tag(doc, "{%p endif %}")
    doc.add_heading("{{ w.label.copies }}", level=2)
    loop_table(doc, ["{{ w.label.name }}", "{{ w.label.role }}"], "c in copies", ["c.name", "c.role"])
    save(doc, OUT / "plan.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    plan_template()
    print(f"wrote {OUT / 'plan.docx'}")
