"""One logical PDF/UA structure tree for the whole document, with page furniture as artifacts.

WeasyPrint 70 (``weasyprint/pdf/tags.py``) tags a PDF page by page. An independent audit of
doctool's PDFs (issue 14) found what that costs:

- the running header and footer (``@page`` margin boxes: "Reference: …", "Page N of M",
  the confidentiality line) were marked content whose structure elements were left out of
  the tree: reachable from no root, so neither content nor artifact;
- each page became its own tree, so ``<main>`` became one /Part per page and a table or a
  list crossing a page break became two; the second half of a table had no header cells
  (large print, where tables are stacked one record a box: /Headers [] on every cell);
- a table's header row repeated on the next page was tagged again as real cells;
- contents-page dot leaders (``leader(". ")``) were tagged as text;
- header cells carried no /Scope.

This module fixes those inside WeasyPrint rather than by rewriting its PDF afterwards (a
post-pass would have to parse and re-write every content stream, which is what the bulk
letter run cannot afford). :func:`install` makes three small, idempotent changes; they do
nothing unless :func:`prepare` was called on the laid-out document, so any other use of
WeasyPrint in the process is tagged exactly as before:

1. every box of the formatting structure gets a serial number before layout
   (``_doctool_fragment``). Layout splits a box across lines, columns and pages by shallow
   copies (``Box.copy`` copies ``__dict__``), so every fragment of one box carries the same
   number: that is how the pieces of one table, list, paragraph or link on different pages
   (or lines) are known to be one element;
2. :func:`prepare` marks the boxes that are page furniture (``_doctool_artifact``): margin
   boxes and repeated fixed boxes (/Pagination), a table's header and footer rows repeated
   on a continuation page (/Pagination), and leaders (/Layout). WeasyPrint's
   ``Stream.marked`` draws such a box as ``/Artifact <</Type /Pagination>> BDC … EMC``
   instead of giving it an MCID;
3. :func:`add_tags` replaces WeasyPrint's for those documents. It is WeasyPrint's own
   algorithm (same element mapping, same list and table special cases) with these changes:
   a box whose fragment already has an element adds to that element instead of making a new
   one (an MCID on another page than the element's /Pg is added as an /MCR); artifacts are
   skipped; TH get /Scope (from the HTML ``scope``, else Column); and /Headers and /ID are
   worked out once per whole table after every page is tagged, on a grid that honours
   rowspan and colspan.

Same input, same bytes: numbering follows the box tree, no ``id()`` or set order is used.
The cost is one walk of the box tree before layout and one of the laid-out pages (about
a millisecond or two for a letter); the tag tree itself is no bigger than WeasyPrint's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pydyf
import weasyprint.document
import weasyprint.pdf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.logger import LOGGER
from weasyprint.pdf.stream import Stream
from weasyprint.pdf.tags import _get_pdf_tag
from weasyprint.pdf.tags import add_tags as weasyprint_add_tags

FRAGMENT = "_doctool_fragment"  # on a box: the serial number shared by all its fragments
ARTIFACT = "_doctool_artifact"  # on a box: "Pagination" or "Layout": drawn as an artifact
PREPARED = "_doctool_tags"  # on a weasyprint Document: tag it with this module's add_tags

_installed: dict[str, Any] = {}


def install() -> None:
    """Patch WeasyPrint (once per process): number boxes before layout, draw marked boxes
    as artifacts, tag prepared documents with :func:`add_tags`."""
    if _installed:
        return
    build = weasyprint.document.build_formatting_structure
    marked = Stream.marked
    _installed.update(build=build, marked=marked, add_tags=weasyprint.pdf.add_tags)

    def numbered_build(*args: Any, **kwargs: Any) -> Any:
        root = build(*args, **kwargs)
        serial = itertools.count(1)
        for box in _walk(root):
            setattr(box, FRAGMENT, next(serial))
        return root

    @contextmanager
    def marked_or_artifact(self: Any, box: Any, tag: str) -> Iterator[None]:
        kind = getattr(box, ARTIFACT, None)
        if kind is None or self._tags is None:
            with marked(self, box, tag):
                yield
            return
        pydyf.Stream.begin_marked_content(self, "Artifact", pydyf.Dictionary({"Type": f"/{kind}"}))
        try:
            yield
        finally:
            pydyf.Stream.end_marked_content(self)

    weasyprint.document.build_formatting_structure = numbered_build
    Stream.marked = marked_or_artifact
    weasyprint.pdf.add_tags = add_tags


def _walk(box: Any) -> Iterator[Any]:
    """``box`` and every box under it, through absolutely positioned placeholders."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    yield box
    for child in getattr(box, "children", ()):
        if isinstance(child, (boxes.Box, AbsolutePlaceholder)):
            yield from _walk(child)


def _mark(box: Any, kind: str) -> None:
    for descendant in _walk(box):
        setattr(descendant, ARTIFACT, kind)


def prepare(document: Any) -> None:
    """Mark the page furniture of a laid-out WeasyPrint ``document`` as artifacts and have
    it tagged by :func:`add_tags` when it is written."""
    seen: set[int] = set()  # fragment numbers of tables and fixed boxes on earlier pages
    for page in document.pages:
        on_page: set[int] = set()
        for box in _walk(page._page_box):
            if getattr(box, ARTIFACT, None):
                continue
            fragment = getattr(box, FRAGMENT, None)
            if isinstance(box, boxes.MarginBox):
                _mark(box, "Pagination")
            elif box.is_leader:
                _mark(box, "Layout")
            elif fragment is not None and box.style["position"] == "fixed" and fragment in seen:
                _mark(box, "Pagination")
            elif isinstance(box, boxes.TableBox) and fragment is not None:
                if fragment in seen:
                    for group in box.children:
                        if getattr(group, "is_header", False) or getattr(group, "is_footer", False):
                            _mark(group, "Pagination")
            if fragment is not None and (isinstance(box, boxes.TableBox) or box.style["position"] == "fixed"):
                on_page.add(fragment)
        seen |= on_page
    setattr(document, PREPARED, True)


def add_tags(pdf: Any, document: Any, pdf_version: Any, page_streams: Any) -> None:
    """The structure tree of the whole document (WeasyPrint's ``add_tags`` for documents
    that :func:`prepare` has not seen)."""
    if not getattr(document, PREPARED, False):
        original: Callable[..., None] = _installed.get("add_tags", weasyprint_add_tags)
        original(pdf, document, pdf_version, page_streams)
        return

    content_mapping = pydyf.Dictionary({})
    pdf.add_object(content_mapping)
    structure_root = pydyf.Dictionary({"Type": "/StructTreeRoot", "ParentTree": content_mapping.reference})
    pdf.add_object(structure_root)
    structure_document = pydyf.Dictionary({"Type": "/StructElem", "S": "/Document", "K": pydyf.Array(), "P": structure_root.reference})
    pdf.add_object(structure_document)
    structure_root["K"] = pydyf.Array([structure_document.reference])
    pdf.catalog["StructTreeRoot"] = structure_root.reference
    if str(pdf_version) >= "2.0":
        namespace = pydyf.Dictionary({"Type": "/Namespace", "NS": pydyf.String("http://iso.org/pdf2/ssn")})
        pdf.add_object(namespace)
        structure_root["Namespaces"] = pydyf.Array([namespace.reference])
        structure_document["NS"] = namespace.reference

    tree = _Tree(pdf)
    content_mapping["Nums"] = pydyf.Array()
    for page_number, (page, stream) in enumerate(zip(document.pages, page_streams)):
        tags = stream._tags
        nums: dict[int, Any] = {}
        for element in tree.build(page._page_box, structure_document, page_number, nums, tags):
            structure_document["K"].append(element.reference)
        if tags:  # marked content that no element took: a WeasyPrint change this module does not know
            raise AssertionError(f"page {page_number + 1}: {len(tags)} marked-content sequences are in no structure element")
        content_mapping["Nums"].append(page_number)
        content_mapping["Nums"].append(pydyf.Array([ref for _, ref in sorted(nums.items())]))

    start = len(document.pages)
    for i, (reference, annotation) in enumerate(tree.annotations, start=start):
        content_mapping["Nums"].append(i)
        content_mapping["Nums"].append(reference)
        annotation["StructParent"] = i

    tree.link_table_headers()

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        LOGGER.error('Missing required "lang" attribute at the root of the document')
        pdf.catalog["Lang"] = pydyf.String()


class _Tree:
    """Structure elements of one document, one per box across all its fragments."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.elements: dict[tuple[str, int, str], Any] = {}  # (role, fragment number, tag) → element
        self.by_reference: dict[bytes, Any] = {}
        self.tables: list[Any] = []
        self.cells: dict[bytes, tuple[int, int, str]] = {}  # cell reference → (colspan, rowspan, scope)
        self.annotations: list[tuple[Any, Any]] = []

    def new(self, tag: str, parent: Any, page_number: int, key: tuple[str, int, str] | None = None) -> Any:
        element = pydyf.Dictionary(
            {"Type": "/StructElem", "S": f"/{tag}", "K": pydyf.Array([]), "Pg": self.pdf.page_references[page_number], "P": parent.reference}
        )
        self.pdf.add_object(element)
        self.by_reference[element.reference] = element
        if key is not None:
            self.elements[key] = element
        return element

    def add_mcid(self, element: Any, page_number: int, mcid: int) -> None:
        page = self.pdf.page_references[page_number]
        if element["Pg"] == page:
            element["K"].append(mcid)
        else:  # a fragment of the element on a later page
            element["K"].append(pydyf.Dictionary({"Type": "/MCR", "Pg": page, "MCID": mcid}))

    def build(self, box: Any, parent: Any, page_number: int, nums: dict[int, Any], tags: dict[Any, Any]) -> Iterator[Any]:
        """WeasyPrint's ``_build_box_tree``: yield the *new* elements for ``box`` (a
        fragment of a box that already has an element adds to it and yields nothing)."""
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if getattr(box, ARTIFACT, None):
            return

        element_tag = None if box.element is None else box.element_tag
        tag = _get_pdf_tag(element_tag)
        fragment = getattr(box, FRAGMENT, None)

        if element_tag in ("html", "body") or isinstance(box, boxes.PageBox):
            if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
                for child in box.children:
                    yield from self.build(child, parent, page_number, nums, tags)
                return
        elif isinstance(box, boxes.MarginBox):
            return  # prepare() made it an artifact
        elif tag in ("TD", "TH"):
            if parent["S"] in ("/TD", "/TH"):  # anonymous block inside a cell
                tag = "NonStruct"
        elif tag == "LI":
            no_bullet_li = box.element_tag == "li" and ("list-item" not in box.style["display"] or box.style["list_style_type"] == "none")
            if parent["S"] == "/LI":
                tag = "LBody"
            elif parent["S"] == "/LBody":
                tag = "NonStruct"
            elif box.element_tag in ("dt", "dd") or no_bullet_li:
                # Wrap in a list item.
                key = ("LI", fragment, "LI") if fragment is not None else None
                existing = self.elements.get(key) if key else None
                new_item = existing is None
                item: Any = self.new("LI", parent, page_number, key) if existing is None else existing
                body_index = len(item["K"])
                bodies = list(self._element(box, "LBody", item, page_number, nums, tags, fragment))
                item["K"][body_index:body_index] = [body.reference for body in bodies]
                if new_item:
                    yield item
                return

        yield from self._element(box, tag, parent, page_number, nums, tags, fragment)

    def _element(self, box: Any, tag: str, parent: Any, page_number: int, nums: dict[int, Any], tags: dict[Any, Any], fragment: int | None) -> Iterator[Any]:
        key = ("box", fragment, tag) if fragment is not None else None
        existing = self.elements.get(key) if key else None
        new = existing is None
        element: Any = self.new(tag, parent, page_number, key) if existing is None else existing

        if tag == "Figure" and new:
            x1, y1 = box.content_box_x(), box.content_box_y()
            element["A"] = pydyf.Dictionary({"O": "/Layout", "BBox": pydyf.Array((x1, y1, x1 + box.width, y1 + box.height))})
            if box.element.tag == "{http://www.w3.org/2000/svg}svg":
                title = box.element.find("{http://www.w3.org/2000/svg}title")
                if title is not None and title.text:
                    element["Alt"] = pydyf.String(title.text)
            elif alt := box.element.attrib.get("alt"):
                element["Alt"] = pydyf.String(alt)
            else:
                LOGGER.error('Image "%s" has no required alt description', box.element.attrib.get("src", "unknown"))
        elif tag == "Table":
            if new:
                self.tables.append(element)
            if box.is_table_wrapper:  # tag the wrapped table, with its captions in it
                wrapper, table = box, box.get_wrapped_table()
                if table:
                    box = table.copy_with_children([])
                    for child in wrapper.children:
                        box.children.extend(child.children if child is table else [child])
        elif tag in ("TH", "TD") and new:
            element["A"] = pydyf.Dictionary({"O": "/Table"})
            if box.colspan != 1:
                element["A"]["ColSpan"] = box.colspan
            if box.rowspan != 1:
                element["A"]["RowSpan"] = box.rowspan
            scope = (box.element.attrib.get("scope") or "").lower() if box.element is not None else ""
            if tag == "TH":
                element["A"]["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"
            self.cells[element.reference] = (box.colspan, box.rowspan, scope)

        if box.link_annotation:
            self._annotation(element, box.link_annotation, page_number)
        if box.widget_annotation:
            form = self.new("Form", element, page_number)
            self._annotation(form, box.widget_annotation, page_number)
            element["K"].append(form.reference)

        for line_or_child in box.children:
            for child in line_or_child.children if isinstance(line_or_child, boxes.LineBox) else [line_or_child]:
                if isinstance(child, boxes.TextBox):
                    if getattr(child, ARTIFACT, None):
                        continue
                    kid = tags.pop(child)
                    mcid = kid["mcid"]
                    assert mcid not in nums
                    if tag == "Link":
                        self.add_mcid(element, page_number, mcid)
                        nums[mcid] = element.reference
                    else:
                        span = self.new(kid["tag"], element, page_number)
                        span["K"].append(mcid)
                        element["K"].append(span.reference)
                        nums[mcid] = span.reference
                else:
                    # In PDF a nested list belongs to the parent list, in HTML to a list item.
                    child_parent = parent if child.element_tag in ("ul", "ol") and element["S"] == "/LI" else element
                    index = len(child_parent["K"])
                    kids = list(self.build(child, child_parent, page_number, nums, tags))
                    child_parent["K"][index:index] = [kid.reference for kid in kids]

        if isinstance(box, boxes.ReplacedBox) and not getattr(box, ARTIFACT, None):
            mcid = tags.pop(box)["mcid"]
            assert mcid not in nums
            self.add_mcid(element, page_number, mcid)
            nums[mcid] = element.reference

        if new:
            yield element

    def _annotation(self, element: Any, annotation: Any, page_number: int) -> None:
        reference = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference, "Pg": self.pdf.page_references[page_number]})
        self.pdf.add_object(reference)
        self.annotations.append((element.reference, annotation))
        element["K"].append(reference.reference)

    def _kids(self, element: Any, roles: tuple[str, ...]) -> list[Any]:
        found = []
        for kid in element["K"]:
            child = self.by_reference.get(kid) if isinstance(kid, bytes) else None
            if child is not None and child["S"] in roles:
                found.append(child)
        return found

    def link_table_headers(self) -> None:
        """/ID on every header cell, /Headers on every data cell, over the whole table
        (all its pages), on a grid that honours rowspan and colspan."""
        for table in self.tables:
            rows = self._kids(table, ("/TR",))
            for group in self._kids(table, ("/THead", "/TBody", "/TFoot")):
                rows += self._kids(group, ("/TR",))
            rows.sort(key=lambda row: row.number)  # document order: elements are numbered as made
            taken: set[tuple[int, int]] = set()
            placed = []
            for i, row in enumerate(rows):
                j = 0
                for cell in self._kids(row, ("/TH", "/TD")):
                    while (i, j) in taken:
                        j += 1
                    colspan, rowspan, scope = self.cells[cell.reference]
                    taken.update((i + di, j + dj) for di in range(rowspan) for dj in range(colspan))
                    placed.append((cell, i, j, colspan, rowspan, scope))
                    j += colspan
            row_headers: dict[int, list[Any]] = {}
            column_headers: dict[int, list[Any]] = {}
            for cell, i, j, colspan, rowspan, scope in placed:
                if cell["S"] == "/TH":
                    key = pydyf.String(f"{table.number}-{i}-{j}")
                    cell["ID"] = key
                    if scope in ("row", "rowgroup"):
                        for di in range(rowspan):
                            row_headers.setdefault(i + di, []).append(key)
                    else:
                        for dj in range(colspan):
                            column_headers.setdefault(j + dj, []).append(key)
            for cell, i, j, colspan, rowspan, _ in placed:
                if cell["S"] == "/TD":
                    headers = [h for di in range(rowspan) for h in row_headers.get(i + di, [])]
                    headers += [h for dj in range(colspan) for h in column_headers.get(j + dj, [])]
                    cell["A"]["Headers"] = pydyf.Array(headers)
