"""Writes the easy-read review: the person's easy-read copy of a review of their plan.

Issue 18: "We checked your plan on …; what is going well; what will change; when we will
check again". Every sentence is a pattern from ``[review_record]`` in
``data/wording/easyread.toml`` filled with the review's coded values and dates (the kind of
review, how it was done, the date, each goal's progress, the decisions, the budget, the next
review), or free text from the record that passes the stricter gate
(:mod:`doctool.easyread.plain`), exactly as in the easy-read plan. Free text that fails is
left out and recorded, so the readability gate reports it at its JSON path
(``ER-EASY-WORDING``, ``ER-SENTENCE-LENGTH``) and a general sentence stands in its place.

The result is a :class:`~doctool.easyread.compose.Composition`, so the same gate, the same
picture book and the same layout serve the plan and the review.
"""

from __future__ import annotations

import re
from typing import Any

from doctool.easyread.compose import Block, Composition, Section, Writer, _name_words, credits, glossary
from doctool.easyread.pictures import Meanings
from doctool.easyread.pictures import settings as easyread_settings
from doctool.easyread.plain import PlainWords
from doctool.easyread.readability import HardWords
from doctool.easyread.sentences import Sentence, finish, strip_end
from doctool.formatting import day_date, easy_money
from doctool.model.review import Progress, ReviewRecord
from doctool.profiles import Profile
from doctool.wording import Wording

T = "review_record"
#: Progress that counts as "going well" (the goal shows under "What is going well").
_WELL = (Progress.achieved, Progress.partly_achieved)


def _reader(r: ReviewRecord) -> set[str]:
    """The person's given and preferred names: in their own copy they are "I"."""
    given = re.findall(r"[A-Za-z][A-Za-z'’-]*", r.person.full_name)[:1]
    return _name_words(" ".join(given)) | _name_words(r.person.preferred_name)


def _others(r: ReviewRecord, profile: Profile, reader: set[str]) -> set[str]:
    """Other names in the review (who took part, the reviewer, the carer, the council)."""
    names = _name_words(str(profile.council.get("name", "")))
    if r.involvement:
        names |= {w for p in r.involvement.people for w in _name_words(p.name)}
    if r.reviewer:
        names |= _name_words(r.reviewer.name)
    if r.family_carer:
        names |= _name_words(r.family_carer.name)
    return names - reader


class ReviewComposer:
    """Builds the :class:`Composition` of the easy-read review of one review record."""

    def __init__(self, review: ReviewRecord, profile: Profile) -> None:
        self.r = review
        self.profile = profile
        self.settings = easyread_settings(profile)
        self.w = Wording("easyread", profile)
        self.t: dict[str, Any] = self.w.data[T]
        self.hard = HardWords(profile)
        self.meanings = Meanings(profile)
        reader = _reader(review)
        ordinary = {w.lower() for w in self.w["rewrite"]["ordinary"]}
        self.out = Writer(
            self.w, int(self.settings["max_sentence_words"]), PlainWords(profile, self.hard), reader,
            _others(review, profile, reader) | ordinary,
        )

    def section(self, key: str) -> Section:
        heading = self.t["heading"][key]
        self.out.section = heading
        return Section(key, heading)

    def fixed(self, table: str, key: str, path: str = "$") -> list[Sentence]:
        return [Sentence(s.text, path, personal=False) for s in self.out.fixed(f"{T}.{table}" if table else T, key)]

    def say(self, table: str, key: str, path: str, **values: str) -> Sentence:
        return self.out.say(f"{T}.{table}" if table else T, key, path, **values)

    def free_or_more(self, text: str | None, path: str) -> list[Sentence]:
        """Free text if every sentence passes the gate; else "My full review says more about
        this." (the finding says it was left out, and that a sentence stands in its place)."""
        said = self.out.free(text, path)
        if said or not text or not text.strip():
            return said
        self.out.instead(path)
        return self.fixed("goal", "more", path)

    def lead_then(self, lead: tuple[str, str], text: str | None, path: str) -> list[Sentence]:
        """"What is going well:" and the free text when it passes the gate; only "My full
        review says more about this." when it is left out; nothing when there is none."""
        said = self.free_or_more(text, path)
        if not said or said[0].text == self.fixed("goal", "more")[0].text:
            return said
        return self.fixed(*lead, path) + said

    # --- the document -----------------------------------------------------------------

    def compose(self) -> Composition:
        r, t = self.r, self.t
        self.out.section = t["title"]
        cover = self.cover()
        sections = [self.how(), self.going_well(), self.change(), self.next()]
        # the word list and the credits, as in the easy-read plan
        words_used = glossary(self.hard, cover, sections)
        words = Section("words", self.w["heading"]["words"])
        words.blocks.append(Block("words", [Sentence(finish(t["words_intro"]), "$", personal=False)]))
        sections.append(words)
        about = Section("about_plan", t["heading"]["about"], new_page=False)
        self.out.section = about.heading
        council = self.profile.council
        helpme = []
        if council.get("phone"):
            helpme.append(self.out.say("about_plan", "help_reading", "$", phone=council["phone"]))
        if council.get("email"):
            helpme.append(self.out.say("about_plan", "email", "$", email=council["email"]))
        about.add(Block("phone", helpme))
        sections.append(about)
        about.add(credits(self.profile, self.out, self.settings, cover, sections))
        return Composition(
            title=t["title"],
            name=r.person.full_name,
            date=day_date(r.review_date),
            cover=cover,
            sections=sections,
            glossary=words_used,
            left_out=self.out.left_out,
            hard=self.hard,
            settings=self.settings,
            min_sentence_words=self.out.plain.min_words if self.out.plain else 4,
            document="review",
        )

    def cover(self) -> list[Block]:
        r = self.r
        checked = Block(
            "calendar",
            [
                self.say("", "checked", "$.review_date", date=day_date(r.review_date)),
                self.say("", "plan_date", "$.plan.plan_date", plan_date=day_date(r.plan.plan_date)),
            ],
        )
        intro = Block("plan", self.fixed("", "says"))
        who = Block(
            "council",
            [
                self.say("", "from_council", "$", council=str(self.profile.council.get("name", ""))),
                self.say("", "reference", "$.person.reference", reference=r.person.reference),
            ],
        )
        return [checked, intro, who]

    def how(self) -> Section:
        r = self.r
        sec = self.section("how")
        sec.add(Block("check", [self.say("kind", r.kind.value, "$.kind"), self.say("method", r.method.value, "$.method")]))
        inv = r.involvement
        people: list[Sentence] = []
        if r.reviewer:
            people.append(self.say("people", "reviewer", "$.reviewer.name", reviewer=strip_end(r.reviewer.name)))
        if inv and not inv.person_took_part:
            people += self.fixed("people", "not_me", "$.involvement.person_took_part")
        names = [
            Sentence(strip_end(p.name), f"$.involvement.people[{i}].name")
            for i, p in enumerate(inv.people if inv else [])
            if p.role.value != "person"
        ]
        if names:
            people += self.fixed("people", "took_part", "$.involvement.people")
        sec.add(Block("people", people, items=names))
        return sec

    def _goal_words(self, n: int, outcome_id: str) -> list[Sentence]:
        """The goal's own words from the plan if they pass the gate, else a general sentence."""
        index = next((i for i, o in enumerate(self.r.plan.outcomes) if o.id == outcome_id), None)
        lead = [Sentence(self.say("goal", "number", f"$.outcomes_reviewed[{n - 1}].outcome_id", n=str(n)).text,
                         f"$.outcomes_reviewed[{n - 1}].outcome_id", personal=False, strong=True)]
        if index is None:
            return lead + self.fixed("goal", "instead", f"$.outcomes_reviewed[{n - 1}].outcome_id")
        path = f"$.plan.outcomes[{index}].in_own_words"
        said = self.out.free(self.r.plan.outcomes[index].in_own_words, path)
        if said:
            return lead + said
        self.out.instead(path)
        return lead + self.fixed("goal", "instead", path)

    def going_well(self) -> Section:
        sec = self.section("going_well")
        for i, o in enumerate(self.r.outcomes_reviewed or []):
            at = f"$.outcomes_reviewed[{i}]"
            meaning = self.meanings.goal(None)
            sentences = self._goal_words(i + 1, o.outcome_id)
            if o.progress:
                sentences.append(self.say("progress", o.progress.value, f"{at}.progress"))
            sentences += self.lead_then(("goal", "well"), o.working, f"{at}.working")
            sec.add(Block(meaning.picture, sentences, alt=meaning.alt))
        if not sec.blocks:
            sec.add(Block("goal", self.fixed("goal", "none", "$.outcomes_reviewed")))
        return sec

    def change(self) -> Section:
        r = self.r
        sec = self.section("change")
        for i, o in enumerate(r.outcomes_reviewed or []):
            at = f"$.outcomes_reviewed[{i}]"
            said: list[Sentence] = []
            said += self.lead_then(("goal", "not_well"), o.not_working, f"{at}.not_working")
            said += self.lead_then(("change", "next"), o.next_steps, f"{at}.next_steps")
            if said:
                lead = Sentence(self.say("change", "goal", at, n=str(i + 1)).text, at, personal=False, strong=True)
                sec.add(Block("change", [lead, *said]))
        c = r.changes
        if c and (c.circumstances or c.needs):
            items: list[Sentence] = []
            for key, texts in (("circumstances", c.circumstances), ("needs", c.needs)):
                for j, text in enumerate(texts):
                    items += self.free_or_more(text, f"$.changes.{key}[{j}]")
            more = self.fixed("goal", "more")[0].text
            kept = [s for s in items if s.text != more]
            # what is left out is said once, after the list
            after = self.fixed("goal", "more", "$.changes") if len(kept) < len(items) else []
            sec.add(Block("change", self.fixed("change", "changed", "$.changes"), items=kept + after))
        decided = [self.say("decision", d.value, f"$.decisions[{j}]") for j, d in enumerate(r.decisions or [])]
        if decided:
            sec.add(Block("plan", self.fixed("change", "decided", "$.decisions"), items=decided))
            why = self.lead_then(("change", "why"), r.decision_reasons, "$.decision_reasons")
            if why:
                sec.add(Block("plan", why))
        for i, risk in enumerate(r.risks):
            at = f"$.risks[{i}]"
            said = self.lead_then(("change", "risk"), risk.risk, f"{at}.risk")
            said += self.lead_then(("change", "risk_action"), risk.action, f"{at}.action")
            if said:
                sec.add(Block("safe", said))
        sec.add(self._budget())
        money: list[Sentence] = []
        if r.finances and r.finances.reassessment_explained:
            money += self.fixed("change", "money_check", "$.finances.reassessment_explained")
        if r.financial_assessment is not None:
            money += self.fixed("change", "pay_letter", "$.financial_assessment")
        if money:
            sec.add(Block("i_pay", money))
        if r.disagreement:
            sec.add(Block("talk", [*self.fixed("change", "disagree", "$.disagreement"), *self.fixed("change", "complain")]))
        if not sec.blocks:
            sec.add(Block("check", self.fixed("change", "none", "$.decisions")))
        return sec

    def _budget(self) -> Block | None:
        b = self.r.budget
        if b is None or (b.current_weekly is None and b.new_weekly is None):
            return None
        old = easy_money(b.current_weekly) if b.current_weekly is not None else ""
        new = easy_money(b.new_weekly) if b.new_weekly is not None else ""
        if self.r.budget_changes and old:
            said = [self.say("change", "budget_changes", "$.budget.new_weekly", old=old, new=new)]
        elif self.r.budget_changes:
            said = [self.say("change", "budget_new", "$.budget.new_weekly", new=new)]
        else:
            said = [self.say("change", "budget_same", "$.budget.current_weekly", old=old or new)]
        if self.r.budget_changes and b.from_date:
            said.append(self.say("change", "budget_from", "$.budget.from_date", date=day_date(b.from_date)))
        if self.r.budget_changes:
            said += self.free_or_more(b.reason, "$.budget.reason")
        return Block("money", said)

    def next(self) -> Section:
        r = self.r
        sec = self.section("next")
        if r.closing:
            when = self.fixed("next", "ended", "$.decisions")
        elif r.next_review_date:
            when = [self.say("next", "next", "$.next_review_date", date=day_date(r.next_review_date))]
        else:
            when = self.fixed("next", "none", "$.next_review_date")
        sec.add(Block("calendar", when))
        carer = r.family_carer
        if carer and carer.carer_review_date:
            sec.add(
                Block("caring", [self.say("next", "carer", "$.family_carer.carer_review_date",
                                          carer=strip_end(carer.name), date=day_date(carer.carer_review_date))])
            )
        sooner = self.fixed("next", "sooner")
        phone = self.profile.council.get("phone")
        if phone:
            sooner.append(self.say("next", "phone", "$", phone=str(phone)))
        sec.add(Block("phone", sooner))
        return sec


def compose_review(review: ReviewRecord, profile: Profile) -> Composition:
    """The easy-read review of ``review`` under ``profile``, ready to format and to check."""
    return ReviewComposer(review, profile).compose()
