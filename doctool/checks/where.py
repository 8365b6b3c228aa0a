"""What a finding is about, named as a practitioner would name it.

A finding's ``path`` (``$.needs[5].eligibility``) is exact but means little to the person
putting the plan right; ``where`` says "Need 6 (Keeping a home clean and safe)". Names
come from ``data/wording/findings.toml`` (a council may override them) and never carry
personal data: places in a list, eligibility outcomes and service types, not names or text.
"""

from __future__ import annotations

import re
from typing import Any

from doctool.profiles import Profile
from doctool.wording import Wording

_STEP = re.compile(r"\.([A-Za-z_]+)(?:\[(\d+)\])?")


class Namer:
    """Names the things in one record: ``namer.path("$.needs[5].eligibility")``, ``namer.need("n6")``."""

    def __init__(self, doc: Any, profile: Profile) -> None:
        self.doc = doc
        w = Wording("findings", profile)
        self.parts, self.items, self.domains = w["part"], w["item"], w["domain"]

    def _list(self, name: str) -> list[Any]:
        return list(getattr(self.doc, name, None) or [])

    def _need_at(self, i: int) -> str:
        needs = self._list("needs")
        label = self.items["needs"].format(n=i + 1)
        if i < len(needs):
            domain = getattr(needs[i].domain, "value", needs[i].domain)
            return f"{label} ({self.domains.get(domain, domain)})"
        return label

    def _service_at(self, i: int) -> str:
        services = self._list("services")
        label = self.items["services"].format(n=i + 1)
        kind = getattr(services[i], "type", None) if i < len(services) else None  # a letter's services have no type
        return f"{label} ({kind})" if kind else label

    def need(self, need_id: str) -> str:
        """"6 (Keeping a home clean and safe)" for the sixth need; the id itself when unknown."""
        for i, need in enumerate(self._list("needs")):
            if need.id == need_id:
                return self._need_at(i).split(" ", 1)[1]  # "Need 6 (...)" less the word the message has
        return need_id

    def service(self, service_id: str) -> str:
        for i, service in enumerate(self._list("services")):
            if service.id == service_id:
                return self._service_at(i).split(" ", 1)[1]
        return service_id

    def path(self, path: str) -> str:
        """The practitioner's name for the part of the record ``path`` points into, or ""."""
        steps = _STEP.findall(path[1:] if path.startswith("$") else path)
        if not steps:
            return ""
        names: list[str] = []
        top, index = steps[0]
        if top == "needs" and index:
            names.append(self._need_at(int(index)))
        elif top == "services" and index:
            names.append(self._service_at(int(index)))
        elif index and top in self.items:
            names.append(self.items[top].format(n=int(index) + 1))
        elif top in self.parts:
            names.append(self.parts[top])
        else:
            return ""
        for field, sub in steps[1:]:
            if sub and field in self.items:
                names.append(self.items[field].format(n=int(sub) + 1))
        return ", ".join(names)

    def params(self, params: dict[str, Any]) -> dict[str, Any]:
        """A rule's message parameters with ids put as names: ``need``, ``service``, ``where``."""
        out = dict(params)
        if isinstance(out.get("need"), str):
            out["need"] = self.need(out["need"])
        if isinstance(out.get("service"), str):
            out["service"] = self.service(out["service"])
        if isinstance(out.get("where"), str) and out["where"].startswith("$"):
            out["where"] = self.path(out["where"]) or out["where"]
        return out
