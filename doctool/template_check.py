"""Checks a council's edited template before it meets a real plan.

Three passes: Jinja syntax (with the words around the error), variables the template uses
that the view model does not provide, and a trial render against every bundled sample
with strict undefined variables, which finds misspelt fields deeper down
(``person.nmae``) in whichever branch a sample takes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError, meta

from doctool.checks import check_plan
from doctool.documents import DOCUMENTS, DocumentKind, logo_pictures
from doctool.errors import ConfigError, InputError
from doctool.loading import load_plan
from doctool.paths import ROOT
from doctool.profiles import load_profile
from doctool.render.docx import render_docx
from doctool.render.templating import docx_env, html_env

SAMPLES = ROOT / "samples" / "plans"


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _docx_source(path: Path) -> str:
    """The template's Jinja source as docxtpl sees it (body, headers, footers)."""
    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path.name} is not a Word .docx file ({type(exc).__name__})") from None
    xml = tpl.patch_xml(tpl.get_xml())
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _rel_id, part in tpl.get_headers_footers(uri):
            xml += tpl.patch_xml(tpl.get_part_xml(part))
    return xml


def _near(source: str, lineno: int | None) -> str:
    if not lineno:
        return "template"
    lines = source.splitlines()[max(lineno - 2, 0) : lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines)
    return "near \u201c" + re.sub(r"\s+", " ", text).strip()[:120] + "\u201d"


def _kind_for(path: Path) -> DocumentKind:
    for kind in DOCUMENTS.values():
        if path.name in (kind.docx_template, kind.html_template) or path.stem.startswith(kind.name):
            return kind
    return DOCUMENTS["plan"]


def check_template(path: Path, document: str | None = None) -> list[Problem]:
    """Every problem found in the template at ``path`` (empty when it is sound)."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    kind = DOCUMENTS[document] if document else _kind_for(path)
    is_docx = path.suffix.lower() == ".docx"
    source = _docx_source(path) if is_docx else path.read_text(encoding="utf-8")
    env = docx_env() if is_docx else html_env()
    try:
        parsed = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem(_near(source, exc.lineno), f"syntax error: {exc.message}")]

    profile = load_profile("england")
    samples = sorted(SAMPLES.glob("*.json"))
    plans = [load_plan(p) for p in samples]
    problems: list[Problem] = []
    if plans:
        provided = set(kind.build_view(plans[0], profile, check_plan(plans[0], profile), False))
        provided |= {"logo"}
        for name in sorted(meta.find_undeclared_variables(parsed) - provided):
            problems.append(Problem("template", f"uses {name!r}, which the {kind.name} view model does not provide"))
    if problems:
        return problems
    for sample, plan in zip(samples, plans):
        if not kind.applies(plan):
            continue
        view = kind.build_view(plan, profile, check_plan(plan, profile), False)
        try:
            if is_docx:
                render_docx(path, view, logo_pictures(view), "check", "check", plan.plan_date)
            else:
                env.from_string(source).render(view)
        except UndefinedError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"undefined value: {exc.message}"))
        except TemplateError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"error: {exc.message}"))
        except ConfigError as exc:
            problems.append(Problem(f"with sample {sample.name}", exc.message))
    return list(dict.fromkeys(problems))
