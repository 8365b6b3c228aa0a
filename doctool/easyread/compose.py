"""Writes the easy-read plan: sections of blocks, each a picture and a few short sentences.

Every sentence comes from a field of the plan, either
- through a pattern in ``data/wording/easyread.toml`` filled with structured values
  ("{who} helps me {do}." with the helper's name and the need's domain), or
- from free text (the person's own easy-read words, "what they do", the contingency plan),
  split into sentences and used only when every sentence is short enough.

Free text that is too long is left out, never shortened by guesswork, and each field left
out is recorded so the readability gate can name it (ER-SENTENCE-LENGTH). The person's own
easy-read words are kept sentence by sentence: a long one is left out, the rest stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from doctool.easyread.pictures import Meaning, Meanings, PictureBook, openmoji_attribution
from doctool.easyread.pictures import settings as easyread_settings
from doctool.easyread.plain import PlainWords, Verdict, digits, one_way_times, raw_sentences
from doctool.easyread.readability import HardWords, Readability, flesch_reading_ease
from doctool.easyread.sentences import Sentence, finish, split_sentences, strip_end, word_count
from doctool.formatting import add_days, day_date, easy_money, long_date
from doctool.model.plan import (
    Arrangement,
    MetBy,
    Need,
    Person,
    Plan,
    PlanType,
    SignatoryRole,
    Whose,
)
from doctool.profiles import Profile
from doctool.wording import Wording

#: Values that name someone: when one holds a comma ("Jo Bloggs, my PA") and the sentence
#: goes on after it, a closing comma is added ("Jo Bloggs, my PA, helps me").
_APPOSITIVE = ("who", "reviewer", "name", "holder", "carer", "payer")
_MARK = "\x00{}\x00"


@dataclass
class Block:
    """One idea: a picture on the left, short sentences (and perhaps a list) on the right."""

    picture: str
    sentences: list[Sentence] = field(default_factory=list)
    items: list[Sentence] = field(default_factory=list)
    sign_here: bool = False
    #: What the picture means here (its alt text), when it says more than the picture's own.
    alt: str = ""

    def all_sentences(self) -> list[Sentence]:
        return [*self.sentences, *self.items]


@dataclass
class Section:
    key: str
    heading: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = True

    def add(self, block: Block | None) -> None:
        if block is not None and (block.sentences or block.items):
            self.blocks.append(block)


@dataclass(frozen=True)
class LeftOut:
    """A free-text field (or one sentence of the person's own words) left out of easy read.

    ``reason`` is ``length`` (a sentence over the word limit) or ``plain`` (it failed the
    stricter gate for free text: ``verdict`` says why); ``instead`` is true when a general
    pattern sentence stands in its place; ``easy_field`` names the item's own easy-read
    wording field (``easy_read``) when it has one."""

    path: str
    section: str
    number: int
    words: int
    own_words: bool = False
    reason: str = "length"
    verdict: Verdict | None = None
    instead: bool = False
    easy_field: str = ""


@dataclass
class Composition:
    """The whole easy-read plan before formatting, and what the gate needs to judge it."""

    title: str
    name: str
    date: str
    cover: list[Block]
    sections: list[Section]
    glossary: list[tuple[str, list[Sentence]]]
    left_out: list[LeftOut]
    hard: HardWords
    settings: dict[str, Any]
    uses_openmoji_credit: bool = True
    min_sentence_words: int = 4
    #: What the findings call it: the easy-read "plan" or "review".
    document: str = "plan"

    def located(self) -> list[tuple[str, int, Sentence]]:
        """Every sentence with its section heading and its number within that section."""
        out: list[tuple[str, int, Sentence]] = []
        cover = [s for b in self.cover for s in b.all_sentences()]
        out += [(self.title, i + 1, s) for i, s in enumerate(cover)]
        for section in self.sections:
            sentences = [s for b in section.blocks for s in b.all_sentences()]
            out += [(section.heading, i + 1, s) for i, s in enumerate(sentences)]
        return out

    def sentences(self) -> list[Sentence]:
        return [s for _, _, s in self.located()]

    def text(self) -> str:
        """The easy-read text the gate scores: one sentence a line."""
        return "\n".join(s.text for s in self.sentences() if s.gate)

    def readability(self) -> Readability:
        gated = [s for s in self.sentences() if s.gate]
        counts = [s.words for s in gated] or [0]
        return Readability(
            flesch_reading_ease=flesch_reading_ease(
                [s.text for s in gated], str(self.settings.get("reading_ease_method", "builtin"))
            ),
            min_reading_ease=float(self.settings["min_reading_ease"]),
            sentences=len(gated),
            words=sum(counts),
            longest_sentence=max(counts),
            max_sentence_words=int(self.settings["max_sentence_words"]),
            average_sentence_words=round(sum(counts) / max(len(gated), 1), 1),
            hard_words_explained=tuple(word for word, _ in self.glossary),
        )


class Writer:
    """Fills patterns and vets free text for one document, recording what it leaves out."""

    def __init__(
        self, wording: Wording, max_words: int, plain: PlainWords | None = None,
        reader: set[str] | None = None, names: set[str] | None = None,
    ) -> None:
        self.w = wording
        self.max = max_words
        self.section = ""
        self.left_out: list[LeftOut] = []
        self.plain = plain
        self.reader = reader or set()
        self.names = names or set()

    # --- patterns ---------------------------------------------------------------------

    def pattern(self, table: str, key: str) -> Any:
        node: Any = self.w.data
        for part in table.split("."):
            node = node[part]
        return node[key]

    def fill(self, template: str, **values: str) -> str:
        marked = {k: _MARK.format(k) if k in _APPOSITIVE else v for k, v in values.items()}
        text = template.format(**marked)
        for k in _APPOSITIVE:
            if k not in values:
                continue
            value, mark = values[k], _MARK.format(k)
            if "," in _no_brackets(value):  # "Jo, my PA" but not "Mrs Lyons (cleaner, paid by me)"
                text = text.replace(mark + " ", value + ", ")
            text = text.replace(mark, value)
        return finish(text)

    def say(self, table: str, key: str, path: str, **values: str) -> Sentence:
        """One sentence from a pattern; ``personal`` when any value came from the plan."""
        return Sentence(self.fill(self.pattern(table, key), **values), path, personal=bool(values))

    def say_fit(self, options: list[tuple[str, str, dict[str, str]]], path: str) -> Sentence:
        """The first (table, key, values) whose sentence is short enough, else the last one."""
        sentence = self.say(options[0][0], options[0][1], path, **options[0][2])
        for table, key, values in options[1:]:
            if sentence.words <= self.max:
                break
            sentence = self.say(table, key, path, **values)
        return sentence

    def fixed(self, table: str, key: str) -> list[Sentence]:
        """Fixed wording (a sentence or a list of them); never personal."""
        value = self.pattern(table, key)
        texts = value if isinstance(value, list) else [value]
        return [Sentence(finish(t), "$", personal=False) for t in texts]

    # --- free text --------------------------------------------------------------------

    def free(self, text: str | None, path: str, own_words: bool = False, easy_field: str = "") -> list[Sentence]:
        """Free text as sentences: all of them if every one is short and plain, otherwise none.

        The person's own easy-read words (``own_words``) are kept one by one instead, and
        only their length is checked. ``easy_field`` is the path of the item's own easy-read
        wording field, named in the finding when the text is left out.
        """
        if not text or not text.strip():
            return []
        if own_words:
            return self.vet(split_sentences(text), path, own_words)
        return self.vet_plain(raw_sentences(text), path, easy_field)

    def vet_plain(self, pieces: list[tuple[str, bool]], path: str, easy_field: str = "") -> list[Sentence]:
        """Sentences of free text (each with whether it ended with a full stop) that all pass
        the length limit and the stricter gate (:mod:`doctool.easyread.plain`), or none."""
        failed = False
        for i, (text, ended) in enumerate(pieces):
            n = word_count(text)
            if n > self.max:
                self.left_out.append(LeftOut(path, self.section, i + 1, n, easy_field=easy_field))
                failed = True
            elif self.plain is not None:
                verdict = self.plain.judge(text, ended, self.reader, self.names)
                if not verdict.ok:
                    self.left_out.append(LeftOut(path, self.section, i + 1, n, reason="plain", verdict=verdict, easy_field=easy_field))
                    failed = True
        return [] if failed else [Sentence(text, path) for text, _ in pieces]

    def value_ok(self, text: str, path: str) -> bool:
        """Whether a value put inside a pattern ("When: {when}.") is plain: no abbreviation,
        number word, time written another way or hard word. Recorded as left out if not."""
        if self.plain is None:
            return True
        verdict = self.plain.judge(text, True, self.reader, self.names)
        kept = tuple(r for r in verdict.reasons if r in ("abbreviation", "number_words", "times", "hard_word"))
        if not kept:
            return True
        verdict = Verdict(kept, verdict.abbreviations, verdict.number_words, verdict.hard_positions)
        self.left_out.append(LeftOut(path, self.section, 1, word_count(text), reason="plain", verdict=verdict))
        return False

    def instead(self, path: str) -> None:
        """Mark the fields left out at ``path`` as having a general sentence in their place."""
        self.left_out = [replace(g, instead=True) if g.path == path else g for g in self.left_out]

    def vet(self, sentences: list[str], path: str, own_words: bool = False) -> list[Sentence]:
        long = [(i, word_count(s)) for i, s in enumerate(sentences) if word_count(s) > self.max]
        for i, n in long:
            self.left_out.append(LeftOut(path, self.section, i + 1, n, own_words))
        if own_words:
            skip = {i for i, _ in long}
            return [Sentence(s, path) for i, s in enumerate(sentences) if i not in skip]
        if long:
            return []
        return [Sentence(s, path) for s in sentences]


def _no_brackets(value: str) -> str:
    """A name without its bracketed detail: "Mrs Lyons (cleaner)" -> "Mrs Lyons"."""
    out, depth = [], 0
    for ch in value:
        depth += ch == "("
        if not depth:
            out.append(ch)
        depth -= ch == ")" and depth > 0
    return strip_end(" ".join("".join(out).split()).replace(" ,", ","))


def _first_clause(value: str) -> str:
    """The part before the first semicolon: "Niece; attorney under ..." -> "Niece"."""
    return strip_end(_no_brackets(value).split(";", 1)[0])


def _relationship(rel: str, ordinary: set[str]) -> tuple[str, bool]:
    """A relationship to put after "is my": small first letter for an ordinary word ("Mum"
    -> "mum", "Community nurse" -> "community nurse"). The flag is false when it is a name
    ("Eastbrook Health Services"), which reads better as "Jo, Eastbrook Health Services"."""
    clause = rel.split(",", 1)[0].split()
    if not clause:
        return rel, False
    first = clause[0]
    if first.lower() in ordinary or (len(clause) > 1 and all(w[:1].islower() or not w[:1].isalpha() for w in clause[1:])):
        return (first[0].lower() + rel[1:] if first[1:] == first[1:].lower() else rel), True
    letters = [c for c in first if c.isalpha()]
    return rel, bool(letters) and all(c.isupper() for c in letters)


_DETERMINERS = {"my", "me", "the", "a", "an", "his", "her", "their", "our", "your", "them", "him", "us", "it", "to", "with"}


def _has_verb(tokens: list[str], finite: set[str], third: set[str]) -> bool:
    """Whether a phrase looks like a sentence with its own verb ("The hairdresser sets my
    hair"), not a list of things ("A shower seat and grab rails"). Cautious: when unsure,
    it says yes, and the text is used as it was written."""
    bare = [t.strip(",.;:!?'\"()").lower() for t in tokens]
    for i, word in enumerate(bare):
        if word in finite or word in third:
            return True
        following = bare[i + 1] if i + 1 < len(bare) else ""
        if word.endswith("s") and not word.endswith("ss") and following in _DETERMINERS:
            return True
    return False


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "lady"}


def _name_words(name: str | None) -> set[str]:
    """The capitalised words of a name, in lower case ("Jordan Reece (PA)" -> jordan, reece, pa)."""
    words = set()
    for token in re.findall(r"[A-Za-z][A-Za-z'’-]*", name or ""):
        if token[:1].isupper() and token.lower() not in _TITLES:
            words.add(token.lower())
    return words


def _reader_names(plan: Plan) -> set[str]:
    """The names of the person the plan is for (a carer's plan: the carer): in their own plan
    they are "I", so free text that names them is in the third person."""
    p = plan.person
    # Not the surname: family share it ("Claire Dawson visits me." in Margaret Dawson's plan).
    given = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", p.full_name) if w.lower() not in _TITLES][:1]
    return _name_words(" ".join(given)) | _name_words(p.preferred_name)


def _other_names(plan: Plan, profile: Profile, reader: set[str]) -> set[str]:
    """Words of the other names in the plan (helpers, contacts, family, the council), so a
    sentence about someone named ("Jordan cooks with me.") counts as saying who does what."""
    names: set[str] = _name_words(str(profile.council.get("name", "")))
    p = plan.person
    names |= {w for c in p.support_network for w in _name_words(c.name)}
    names |= {w for n in plan.needs or [] for a in n.met_by for w in _name_words(a.who)}
    if plan.contingency:
        names |= {w for c in plan.contingency.emergency_contacts for w in _name_words(c.name)}
    if plan.involvement:
        names |= {w for c in plan.involvement.people for w in _name_words(c.name)}
        names |= {w for c in plan.involvement.copies_to for w in _name_words(c.name)}
    for other in (plan.carer,):
        if other:
            names |= _name_words(other.full_name) | _name_words(other.preferred_name)
    if plan.cared_for:
        names |= _name_words(plan.cared_for.name)
    if plan.direct_payment and plan.direct_payment.holder:
        names |= _name_words(plan.direct_payment.holder.name)
    if plan.review and plan.review.reviewer:
        names |= _name_words(plan.review.reviewer)
    return names - reader


def _called(person: Person) -> str:
    return person.preferred_name or person.full_name.split()[0]


def _period(w: Wording, period: Any) -> str:
    key = getattr(period, "value", period) or "weekly"
    return w["period"].get(key, w["period"]["weekly"])


def _join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Composer:
    """Builds the :class:`Composition` for one plan under one profile."""

    def __init__(self, plan: Plan, profile: Profile) -> None:
        self.plan = plan
        self.profile = profile
        self.settings = easyread_settings(profile)
        self.w = Wording("easyread", profile)
        self.hard = HardWords(profile)
        self.meanings = Meanings(profile)
        reader = _reader_names(plan)
        self.out = Writer(
            self.w, int(self.settings["max_sentence_words"]), PlainWords(profile, self.hard),
            reader, _other_names(plan, profile, reader) | {w.lower() for w in self.w["rewrite"]["ordinary"]},
        )
        self.combined = plan.plan_type is PlanType.combined and plan.carer is not None
        self.carer_name = _called(plan.carer) if plan.carer else ""

    # --- helpers ----------------------------------------------------------------------

    def section(self, key: str) -> Section:
        heading = self.w["heading"][key]
        self.out.section = heading
        return Section(key, heading)

    def domain(self, need: Need) -> dict[str, str]:
        words: dict[str, str] = self.w.data["domain"][need.domain.value]  # [domain.<name>] tables of text
        return words

    def for_carer(self, need_or_outcome: Any) -> bool:
        return self.combined and need_or_outcome.whose is Whose.carer

    def shown(self, meaning: Meaning, sentences: list[Sentence]) -> Block:
        """A block whose picture and alt text come from the meanings file."""
        return Block(meaning.picture, sentences, alt=meaning.alt)

    def free_or_instead(self, text: str | None, path: str, instead: str, easy: str | None = None, easy_path: str = "") -> list[Sentence]:
        """The item's own easy-read wording if it has some; else the free text if it passes
        the gate; else the general sentence ``[instead] <instead>`` (the finding says so)."""
        if easy and easy.strip():
            return self.out.free(easy, easy_path, own_words=True)
        said = self.out.free(text, path, easy_field=easy_path)
        if said or not text or not text.strip():
            return said
        self.out.instead(path)
        return [Sentence(finish(self.w["instead"][instead]), path, personal=False)]

    # --- the document -----------------------------------------------------------------

    def compose(self) -> Composition:
        plan, w = self.plan, self.w
        self.out.section = w["title"][plan.plan_type.value]
        cover = self.cover()
        sections = [
            self.about_me(),
            self.needs(),
            self.helpers(),
            self.money(),
            self.wrong(),
            self.review(),
            self.agree(),
        ]
        empty = (("need", "plan", "needs"), ("helper", "helper", "needs"), ("money", "money", "personal_budget"), ("wrong", "warning", "contingency"))
        for sec, (table, picture, part) in zip(sections[1:5], empty):
            if not sec.blocks:
                sec.blocks.append(Block(picture, self._fixed_at(table, "none", f"$.{part}")))
        glossary = self.glossary(cover, sections)
        words = Section("words", w["heading"]["words"])
        words.blocks.append(Block("words", self.out.fixed("text", "words_intro")))
        sections.append(words)
        about = self.about_plan()
        sections.append(about)
        about.add(self.credits(cover, sections))
        return Composition(
            title=w["title"][plan.plan_type.value],
            name=plan.person.full_name,
            date=day_date(plan.plan_date),
            cover=cover,
            sections=sections,
            glossary=glossary,
            left_out=self.out.left_out,
            hard=self.hard,
            settings=self.settings,
            min_sentence_words=self.out.plain.min_words if self.out.plain else 4,
        )

    def cover(self) -> list[Block]:
        plan, out = self.plan, self.out
        intro = Block("plan", out.fixed("intro", plan.plan_type.value))
        council = self.profile.council
        who = Block(
            "council",
            [
                out.say("intro", "from_council", "$", council=council.get("name", "")),
                out.say("intro", "reference", "$.person.reference", reference=plan.person.reference),
            ],
        )
        return [intro, who]

    def about_me(self) -> Section:
        plan, out = self.plan, self.out
        p = plan.person
        sec = self.section("about_me")
        me = Block("person", [out.say("about", "name", "$.person.full_name", name=p.full_name)])
        if p.preferred_name and p.preferred_name != p.full_name:
            me.sentences.append(out.say("about", "called", "$.person.preferred_name", called=p.preferred_name))
        sec.add(me)
        if p.date_of_birth:
            sec.add(Block("birthday", [out.say("about", "born", "$.person.date_of_birth", date=long_date(p.date_of_birth))]))
        if p.address:
            address = ", ".join([*(strip_end(line) for line in p.address.lines), p.address.postcode])
            sec.add(Block("house", [out.say("about", "address", "$.person.address", address=address)]))
        m = self.meanings
        sec.add(self.shown(m.block("lives_with"), out.free(p.lives_with, "$.person.lives_with")))
        comm = p.communication
        if comm and comm.easy_read_words:
            words = out.free(comm.easy_read_words, "$.person.communication.easy_read_words", own_words=True)
        else:
            words = out.free(p.about_me, "$.person.about_me", easy_field="$.person.communication.easy_read_words")
        sec.add(self.shown(m.block("about_me"), words))
        strengths: list[Sentence] = []
        for i, text in enumerate(p.strengths):
            strengths += out.free(text, f"$.person.strengths[{i}]")
        sec.add(self.shown(m.block("strengths"), strengths))
        if plan.cared_for:
            cf = plan.cared_for
            sec.add(
                Block(
                    "caring",
                    [
                        out.say("about", "cared_for", "$.cared_for.name", name=cf.name),
                        out.say(
                            "about", "cared_for_relationship", "$.cared_for.relationship",
                            name=cf.name, relationship=_relationship(strip_end(cf.relationship), set(self.w["rewrite"]["ordinary"]))[0],
                        ),
                    ],
                )
            )
        if self.combined and plan.carer:
            block = Block("caring", [out.say("about", "carer", "$.carer.full_name", carer=plan.carer.full_name)])
            if plan.involvement and plan.involvement.combined_plan_agreed:
                block.sentences += out.fixed("about", "combined_agreed")
            sec.add(block)
        if plan.carer_wishes:
            cw = plan.carer_wishes
            for attr, picture in (("caring", "caring"), ("work", "work"), ("education_training", "work"), ("recreation", "free_time")):
                wish = out.free(getattr(cw, attr), f"$.carer_wishes.{attr}")
                if wish and self.combined:
                    wish.insert(0, out.say("about", "carer_says", "$.carer", carer=self.carer_name))
                sec.add(Block(picture, wish))
        network = []
        ordinary = set(self.w["rewrite"]["ordinary"])
        for i, c in enumerate(p.support_network):
            where = f"$.person.support_network[{i}]"
            options = []
            plural = " and " in c.name or " & " in c.name
            if c.relationship:
                clause = c.relationship.split(";", 1)[0]
                for rel in dict.fromkeys((strip_end(clause), _no_brackets(clause))):
                    if not rel:
                        continue
                    text, is_my = _relationship(rel, ordinary)
                    key = ("network_plural" if plural else "network") if is_my else "network_named"
                    options.append(("about", key, {"name": c.name, "relationship": text}))
            options.append(("about", "network_no_relationship", {"name": c.name}))
            network.append(out.say_fit(options, where))
        sec.add(Block("people", network))
        if comm:
            talk: list[Sentence] = []
            for i, text in enumerate(comm.needs):
                talk += out.free(text, f"$.person.communication.needs[{i}]")
            formats = [self.w["format"][f.value] for f in comm.formats if f.value != "standard"]
            if formats:
                talk.append(out.say("about", "formats", "$.person.communication.formats", formats=_join_and(formats)))
            sec.add(Block("talk", talk))
        return sec

    def needs(self) -> Section:
        plan, out = self.plan, self.out
        sec = self.section("needs")
        not_met = {n.need_id: (k, n) for k, n in enumerate(plan.advice.needs_not_met)} if plan.advice else {}
        outcomes = list(enumerate(plan.outcomes or []))
        shown: set[int] = set()
        for i, need in enumerate(plan.needs or []):
            d = self.domain(need)
            path = f"$.needs[{i}]"
            if self.for_carer(need):
                first = out.say("need", "carer", f"{path}.domain", carer=self.carer_name, do=d["do"])
            else:
                first = out.say("need", "person", f"{path}.domain", do=d["do"])
            block = self.shown(self.meanings.need(need.domain.value), [first])
            if need.council_will_meet is True:
                block.sentences += self._fixed_at("need", "council_meets", f"{path}.council_will_meet")
            elif need.council_will_meet is False:
                block.sentences += self._fixed_at("need", "council_not", f"{path}.council_will_meet")
                if need.id in not_met:
                    k, nm = not_met[need.id]
                    where = f"$.advice.needs_not_met[{k}]"
                    easy = getattr(nm, "easy_read", None)
                    if easy:
                        block.sentences += out.free(easy, f"{where}.easy_read", own_words=True)
                    else:
                        block.sentences += out.free(nm.what_can_help, f"{where}.what_can_help", easy_field=f"{where}.easy_read")
            else:
                block.sentences += self._fixed_at("need", "council_undecided", f"{path}.council_will_meet")
            if need.fluctuates:
                block.sentences += self._fixed_at("need", "fluctuates", f"{path}.fluctuates")
            sec.add(block)
            for j, outcome in outcomes:
                if j in shown or need.id not in outcome.need_ids:
                    continue
                shown.add(j)
                sec.add(self._goal(j, outcome))
        for j, outcome in outcomes:
            if j not in shown:
                sec.add(self._goal(j, outcome))
        return sec

    def _goal(self, j: int, outcome: Any) -> Block | None:
        where = f"$.outcomes[{j}]"
        words = self.free_or_instead(
            outcome.in_own_words, f"{where}.in_own_words", "goal", getattr(outcome, "easy_read", None), f"{where}.easy_read"
        )
        if not words:
            return None
        domains = {n.id: n.domain.value for n in self.plan.needs or []}
        domain = next((domains[i] for i in outcome.need_ids if i in domains), None)
        block = self.shown(self.meanings.goal(domain), words)
        if self.for_carer(outcome):
            block.sentences.insert(0, self.out.say("about", "carer_says", f"$.outcomes[{j}].whose", carer=self.carer_name))
        return block

    def _fixed_at(self, table: str, key: str, path: str) -> list[Sentence]:
        """Fixed wording that says something about a field (so the gate can point at it)."""
        return [Sentence(s.text, path, personal=False) for s in self.out.fixed(table, key)]

    def helpers(self) -> Section:
        plan = self.plan
        sec = self.section("helpers")
        for i, need in enumerate(plan.needs or []):
            for j, arrangement in enumerate(need.met_by):
                sec.add(self._arrangement(need, arrangement, f"$.needs[{i}].met_by[{j}]"))
        return sec

    def _arrangement(self, need: Need, a: Arrangement, path: str) -> Block:
        out, d = self.out, self.domain(need)
        carer = self.for_carer(need)
        pictures = {MetBy.equipment: "equipment", MetBy.self: "myself", MetBy.health: "doctor"}
        meaning = self.meanings.need(need.domain.value)
        block = Block(pictures.get(a.how, meaning.picture))
        who = strip_end(a.who)
        # "How: self" with someone else named (a cleaner the person pays) reads as that
        # person helping; "I do some of this myself" is only for the person themselves.
        me = self._is_me(who) or (a.how is MetBy.self and not who)
        if a.how is MetBy.equipment:
            if carer:
                block.sentences.append(out.say("helper", "equipment_carer", f"{path}.how", carer=self.carer_name))
            else:
                block.sentences.append(out.say("helper", "equipment", f"{path}.how", do=d["do"]))
            block.sentences.append(out.say("helper", "equipment_from", f"{path}.who", who=who))
        elif me and not carer:
            if a.how is MetBy.direct_payment:
                block.sentences.append(out.say("helper", "me_direct_payment", f"{path}.how", do=d["do"]))
            else:
                block.sentences += self._fixed_at("helper", "self", f"{path}.how")
            block.picture = "myself" if a.how is not MetBy.direct_payment else block.picture
        elif carer and self._is_carer(who):
            block.sentences.append(out.say("helper", "carer_self", f"{path}.who", carer=self.carer_name))
        else:
            block.picture = meaning.picture if a.how is MetBy.self else block.picture
            keys = ("carer", "carer_short") if carer else ("person", "person_short")
            options = []
            for key in keys:
                for name in dict.fromkeys((who, _no_brackets(who))):
                    values = {"who": name, "do": d["do"]}
                    if carer:
                        values["carer"] = self.carer_name
                    options.append(("helper", key, values))
            block.sentences.append(out.say_fit(options, f"{path}.who"))
            if a.how is MetBy.direct_payment:
                block.sentences += self._fixed_at("helper", "direct_payment", f"{path}.how")
        easy = getattr(a, "easy_read", None)
        if easy and easy.strip():
            block.sentences += out.free(easy, f"{path}.easy_read", own_words=True)
        else:
            block.sentences += out.vet_plain(self._what(a, carer, self_like=me and not carer), f"{path}.what", easy_field=f"{path}.easy_read")
        block.sentences += self._when(a, path)
        block.alt = meaning.alt if block.picture == meaning.picture else ""
        return block

    def _is_reader(self, role: str) -> bool:
        """Whether an involvement role is the reader: the person, or the carer in a carer's plan."""
        return role == "person" or (role == "carer" and self.plan.plan_type is PlanType.carer)

    def _is_carer(self, who: str) -> bool:
        c = self.plan.carer
        if c is None:
            return False
        names = {c.full_name.lower(), c.full_name.split()[0].lower()} | ({c.preferred_name.lower()} if c.preferred_name else set())
        return _no_brackets(who).lower() in names

    def _is_me(self, who: str) -> bool:
        p = self.plan.person
        names = {p.full_name.lower(), p.full_name.split()[0].lower(), "me", "myself", "i"}
        if p.preferred_name:
            names.add(p.preferred_name.lower())
        return _no_brackets(who).lower() in names

    def _when(self, a: Arrangement, path: str) -> list[Sentence]:
        """How often and when, with times written one way ("4pm to 7pm") and numbers as
        digits ("2 evenings a week"); a value that is still not plain is left out."""
        out = self.out
        numbers = out.plain.digits if out.plain else {}
        parts: list[tuple[str, str]] = []
        for name, value in (("frequency", a.frequency), ("times", a.times)):
            if value and value.strip():
                text = strip_end(digits(one_way_times(value), numbers)).replace("; ", " and ")
                if out.value_ok(text, f"{path}.{name}"):
                    parts.append((text, f"{path}.{name}"))
        if not parts:
            return []
        texts = [t for t, _ in parts]
        if len(parts) == 2 and texts[1].split(" ", 1)[0].lower() in set(self.w["rewrite"]["lower_in_times"]):
            texts[1] = texts[1][0].lower() + texts[1][1:]
        both = out.say("helper", "when", parts[0][1], when=", ".join(texts))
        if both.words <= out.max or len(parts) == 1:
            return out.vet([both.text], parts[0][1])
        first = out.say("helper", "when", parts[0][1], when=texts[0])
        second = out.say("helper", "times", parts[1][1], times=texts[1])
        return out.vet([first.text], parts[0][1]) + out.vet([second.text], parts[1][1])

    def _what(self, a: Arrangement, carer: bool, self_like: bool) -> list[tuple[str, bool]]:
        """The "what they do" text as sentences about the helper (see [rewrite])."""
        rw = self.w["rewrite"]
        imperative, then = set(rw["imperative"]), set(rw["then"])
        third, articles = rw["third_person"], set(rw["articles"])
        finite = set(rw["finite"])
        helper = self.w["helper"]
        name = _no_brackets(strip_end(a.who)) or strip_end(a.who)
        out: list[tuple[str, bool]] = []
        for sentence, ended in raw_sentences(a.what):
            tokens = sentence.split()
            first = tokens[0].strip(",.;:").lower()
            second = tokens[1].strip(",.;:'").lower() if len(tokens) > 1 else ""
            lowered = sentence[0].lower() + sentence[1:]
            if first in third and not self_like:
                text = self.out.fill(helper["who_does"], who=name, what=lowered)
            elif first in imperative and second in then:
                text = helper["i_do" if self_like else "they_do"].format(what=lowered)
            elif first in articles and not self_like and not _has_verb(tokens[1:], finite, set(third)):
                text = (
                    helper["carer_gets"].format(carer=self.carer_name, what=lowered)
                    if carer
                    else helper["i_get"].format(what=lowered)
                )
            else:
                text = sentence
            out.append((finish(text), ended))
        return out

    def money(self) -> Section:
        plan, out = self.plan, self.out
        sec = self.section("money")
        b = plan.personal_budget
        if b is not None:
            period = _period(self.w, b.period)
            if b.total_cost is not None:
                sec.add(Block("money", [out.say("money", "total", "$.personal_budget.total_cost", amount=easy_money(b.total_cost), period=period)]))
            if b.authority_amount is not None:
                if b.authority_amount > 0:
                    theirs = out.say("money", "council", "$.personal_budget.authority_amount", amount=easy_money(b.authority_amount), period=period)
                else:
                    theirs = self._fixed_at("money", "council_nothing", "$.personal_budget.authority_amount")[0]
                sec.add(Block("council", [theirs]))
            if b.person_amount is not None:
                if b.person_amount > 0:
                    mine = out.say("money", "me", "$.personal_budget.person_amount", amount=easy_money(b.person_amount), period=period)
                else:
                    mine = Sentence(self.out.fixed("money", "me_nothing")[0].text, "$.personal_budget.person_amount", personal=False)
                sec.add(Block("i_pay", [mine]))
            others = []
            if b.third_party_amount:
                others.append(
                    out.say(
                        "money", "third_party", "$.personal_budget.third_party_amount",
                        name=b.third_party_name or self.w["money"]["someone"],
                        amount=easy_money(b.third_party_amount), period=period,
                    )
                )
            if b.top_up_amount:
                others.append(
                    out.say(
                        "money", "top_up", "$.personal_budget.top_up_amount",
                        payer=b.top_up_payer or self.w["money"]["someone"],
                        amount=easy_money(b.top_up_amount), period=period,
                    )
                )
            sec.add(Block("money", others))
            how = []
            if b.management:
                how += self._fixed_at("money.manage", b.management.value, "$.personal_budget.management")
            how += out.free(b.how_person_wants_to_receive, "$.personal_budget.how_person_wants_to_receive")
            sec.add(Block("card", how))
        sec.add(self._direct_payment())
        free: list[Sentence] = []
        seen: set[str] = set()
        if b is not None:
            for k, item in enumerate(b.outside_budget):
                for s in self._fixed_at("money.free", item.reason.value, f"$.personal_budget.outside_budget[{k}].reason"):
                    if s.text and s.text not in seen:
                        seen.add(s.text)
                        free.append(s)
        if plan.s117 and plan.s117.applies:
            for s in self._fixed_at("money", "s117", "$.s117.applies"):
                if s.text not in seen:
                    seen.add(s.text)
                    free.append(s)
        if free:
            sec.add(Block("free", self._fixed_at("money", "free_intro", "$.personal_budget.outside_budget") + free))
        return sec

    def _direct_payment(self) -> Block | None:
        dp, out = self.plan.direct_payment, self.out
        if dp is None:
            return None
        block = Block("card")
        if dp.amount is not None and dp.frequency is not None:
            block.sentences.append(
                out.say("money", "dp_amount", "$.direct_payment.amount", amount=easy_money(dp.amount), period=_period(self.w, dp.frequency))
            )
        if dp.holder:
            if dp.holder.type.value == "person":
                block.sentences += self._fixed_at("money", "dp_holder_me", "$.direct_payment.holder")
            else:
                block.sentences.append(out.say("money", "dp_holder_other", "$.direct_payment.holder.name", holder=dp.holder.name))
        if dp.start_date:
            block.sentences.append(out.say("money", "dp_start", "$.direct_payment.start_date", date=day_date(dp.start_date)))
        if dp.person_contribution:
            freq = dp.contribution_frequency or dp.frequency
            block.sentences.append(
                out.say(
                    "money", "dp_contribution", "$.direct_payment.person_contribution",
                    amount=easy_money(dp.person_contribution), period=_period(self.w, freq),
                )
            )
        if dp.employs_personal_assistant:
            block.sentences += self._fixed_at("money", "dp_pa", "$.direct_payment.employs_personal_assistant")
        return block

    def wrong(self) -> Section:
        plan, out = self.plan, self.out
        sec = self.section("wrong")
        c = plan.contingency
        m = self.meanings
        sec.add(self.shown(m.block("contingency"), self.free_or_instead(c.plan if c else None, "$.contingency.plan", "contingency")))
        if plan.direct_payment:
            dp_plan = self.free_or_instead(plan.direct_payment.contingency, "$.direct_payment.contingency", "dp_contingency")
            sec.add(self.shown(m.block("direct_payment_contingency"), dp_plan))
        for i, risk in enumerate(c.risks if c else []):
            sec.add(self._risk(i, risk))
        phones = []
        for i, contact in enumerate(c.emergency_contacts if c else []):
            where = f"$.contingency.emergency_contacts[{i}]"
            if contact.phone:
                phones.append(out.say("wrong", "contact", where, name=contact.name, phone=contact.phone))
            elif contact.email:  # someone reached only by email (a tutor, say) still has a way in
                phones.append(out.say("wrong", "contact_email", where, name=contact.name, email=contact.email))
            else:
                phones.append(out.say("wrong", "contact_no_phone", where, name=contact.name))
        council_phone = self.profile.council.get("phone")
        listed = {"".join((contact.phone or "").split()) for contact in (c.emergency_contacts if c else [])}
        if council_phone and "".join(council_phone.split()) not in listed:
            phones.append(out.say("wrong", "council", "$", phone=council_phone))
        sec.add(Block("phone", phones))
        if c:
            sec.add(Block("key", self.free_or_instead(c.keys_held_by, "$.contingency.keys_held_by", "keys")))
            sec.add(Block("pet", self.free_or_instead(c.pets_and_property, "$.contingency.pets_and_property", "pets")))
        return sec

    def _risk(self, i: int, risk: Any) -> Block:
        """A risk, its picture chosen by what it is about (never a warning sign for all):
        the person's easy-read words for it; else the risk and what is done about it, as far
        as they pass the gate, with the kind's general sentence in place of what does not."""
        out, where = self.out, f"$.contingency.risks[{i}]"
        meaning = self.meanings.risk(" ".join(x for x in (risk.risk, risk.likely_harm) if x))
        easy = getattr(risk, "easy_read", None)
        if easy and easy.strip():
            return self.shown(meaning, out.free(easy, f"{where}.easy_read", own_words=True))
        general = Sentence(finish(meaning.say), f"{where}.risk", personal=False)
        lead = out.free(risk.risk, f"{where}.risk", easy_field=f"{where}.easy_read")
        if not lead:
            out.instead(f"{where}.risk")
            lead = [general]
        actions: list[Sentence] = []
        missing = False
        for name in ("proactive", "reactive"):
            text = getattr(risk, name)
            said = out.free(text, f"{where}.{name}", easy_field=f"{where}.easy_read")
            if text and text.strip() and not said:
                out.instead(f"{where}.{name}")
                missing = True
            actions += said
        sentences = [Sentence(s.text, s.path, s.personal, strong=True) for s in lead]
        if not actions and lead[0] is not general:  # a worry alone would only alarm: say there is a plan
            sentences.append(general)
        sentences += actions
        if missing:
            sentences.append(Sentence(finish(self.w["instead"]["more"]), f"{where}.proactive", personal=False))
        return self.shown(meaning, sentences)

    def review(self) -> Section:
        plan, out = self.plan, self.out
        sec = self.section("review")
        r = plan.review
        dates = []
        if r and r.light_touch_date:
            dates.append(out.say("review", "light_touch", "$.review.light_touch_date", date=day_date(r.light_touch_date)))
        if r and r.next_review_date:
            dates.append(out.say("review", "next", "$.review.next_review_date", date=day_date(r.next_review_date)))
        if plan.direct_payment and plan.direct_payment.first_review_date:
            dates.append(out.say("review", "dp", "$.direct_payment.first_review_date", date=day_date(plan.direct_payment.first_review_date)))
        if not dates:
            dates = self._fixed_at("review", "none", "$.review")
        sec.add(Block("calendar", dates))
        if r and r.reviewer:
            sec.add(Block("person", [out.say("review", "reviewer", "$.review.reviewer", reviewer=strip_end(r.reviewer))]))
        if r:
            sec.add(Block("check", self.free_or_instead(r.monitoring, "$.review.monitoring", "monitoring")))
        sooner = out.fixed("review", "sooner")
        council_phone = self.profile.council.get("phone")
        if council_phone:
            sooner.append(out.say("review", "phone", "$", phone=council_phone))
        sec.add(Block("phone", sooner))
        return sec

    def agree(self) -> Section:
        plan, out = self.plan, self.out
        sec = self.section("agree")
        sig = plan.signatures
        signed: list[Sentence] = []
        person_signed = False
        if sig and sig.person:
            s = sig.person
            own = s.role in (SignatoryRole.person, SignatoryRole.carer)
            where = "$.signatures.person"
            if not s.signed:
                not_signed = Sentence(out.fixed("agree", "me_not")[0].text, f"{where}.signed", personal=False)
                signed.append(not_signed if own else out.say("agree", "carer_not", where, name=s.name))
            elif own:
                person_signed = True
                no_date = Sentence(out.fixed("agree", "me_no_date")[0].text, where, personal=False)
                signed.append(out.say("agree", "me", f"{where}.date", date=day_date(s.date)) if s.date else no_date)
            else:
                person_signed = True
                key = "for_me" if s.date else "for_me_no_date"
                signed.append(out.say("agree", key, where, name=s.name, **({"date": day_date(s.date)} if s.date else {})))
        else:
            signed += self._fixed_at("agree", "me_not", "$.signatures.person")
        if sig and sig.carer:
            s = sig.carer
            where = "$.signatures.carer"
            key = "carer_not" if not s.signed else ("carer" if s.date else "carer_no_date")
            signed.append(out.say("agree", key, where, name=s.name, **({"date": day_date(s.date)} if s.signed and s.date else {})))
        if sig and sig.authority and sig.authority.date:
            signed.append(out.say("agree", "council", "$.signatures.authority", name=sig.authority.name, date=day_date(sig.authority.date)))
        else:
            signed += self._fixed_at("agree", "council_not", "$.signatures.authority")
        if sig:
            signed += out.free(sig.unsigned_reason, "$.signatures.unsigned_reason")
        sec.add(Block("sign", signed, sign_here=not person_signed))
        if sig and sig.default_agreement_notice_date and not person_signed:
            deadline = add_days(sig.default_agreement_notice_date, 14)
            texts = self.w["agree"]["default"]
            sec.add(
                Block(
                    "calendar",
                    [
                        Sentence(out.fill(t, date=day_date(deadline)), "$.signatures.default_agreement_notice_date", personal="{date}" in t)
                        for t in texts
                    ],
                )
            )
        inv = plan.involvement
        ordinary = set(self.w["rewrite"]["ordinary"])
        me_item = self.w["about"]["me"]
        if inv and inv.people:
            names = []
            for i, p in enumerate(inv.people):
                if self._is_reader(p.role.value):
                    names.append(Sentence(me_item, f"$.involvement.people[{i}]", personal=False))
                    continue
                rel = f" ({_relationship(strip_end(p.relationship), ordinary)[0]})" if p.relationship else ""
                names.append(Sentence(f"{strip_end(p.name)}{rel}", f"$.involvement.people[{i}]"))
            sec.add(Block("people", self._fixed_at("agree", "helped", "$.involvement.people"), items=names))
        if inv and inv.copies_to:
            names = [
                Sentence(me_item, f"$.involvement.copies_to[{i}]", personal=False)
                if self._is_reader(c.role.value)
                else Sentence(strip_end(c.name), f"$.involvement.copies_to[{i}]")
                for i, c in enumerate(inv.copies_to)
            ]
            sec.add(Block("copy", self._fixed_at("agree", "copies", "$.involvement.copies_to"), items=names))
        return sec

    def glossary(self, cover: list[Block], sections: list[Section]) -> list[tuple[str, list[Sentence]]]:
        return glossary(self.hard, cover, sections)

    def about_plan(self) -> Section:
        out = self.out
        sec = self.section("about_plan")
        sec.new_page = False
        council = self.profile.council
        helpme = []
        if council.get("phone"):
            helpme.append(out.say("about_plan", "help_reading", "$", phone=council["phone"]))
        if council.get("email"):
            helpme.append(out.say("about_plan", "email", "$", email=council["email"]))
        sec.add(Block("phone", helpme))
        return sec


    def credits(self, cover: list[Block], sections: list[Section]) -> Block:
        return credits(self.profile, self.out, self.settings, cover, sections)


def glossary(hard: HardWords, cover: list[Block], sections: list[Section]) -> list[tuple[str, list[Sentence]]]:
    """Every explained hard word used in ``cover`` and ``sections``, with its explanation."""
    used: dict[str, None] = {}
    for block in [*cover, *(b for s in sections for b in s.blocks)]:
        for sentence in block.all_sentences():
            for h in hard.find(sentence.text):
                if h.kind == "explained":
                    used[h.word] = None
    entries = []
    for word in sorted(used, key=str.lower):
        entries.append((word, [Sentence(t, "$", personal=False) for t in split_sentences(hard.explain[word])]))
    return entries


def credits(profile: Profile, out: Writer, settings: dict[str, Any], cover: list[Block], sections: list[Section]) -> Block:
    """Who made the pictures: OpenMoji's attribution (CC BY-SA 4.0) when any is used."""
    book = PictureBook(profile)
    concepts = {b.picture for b in [*cover, *(b for s in sections for b in s.blocks)]} | {"info"}
    block = Block("info")
    if any(book.get(c).openmoji for c in concepts):
        block.sentences += out.fixed("about_plan", "pictures")
        block.sentences += [Sentence(openmoji_attribution(), "$", personal=False, gate=False)]
        block.sentences += [Sentence(s.text, "$", personal=False, gate=False) for s in out.fixed("about_plan", "licence")]
    credit = str(settings.get("pictures_credit") or "").strip()
    if credit and not all(book.get(c).openmoji for c in concepts):
        block.sentences.append(Sentence(finish(credit), "$", personal=False, gate=False))
    return block


def compose(plan: Plan, profile: Profile) -> Composition:
    """The easy-read plan for ``plan`` under ``profile``, ready to format and to check."""
    return Composer(plan, profile).compose()
