"""Which departments a business scope (经营范围) concerns: plain keyword matching, no word
segmentation (no dictionary to go stale, and every match can be explained by the rule's text).

The rule, step by step (``match_scope``):

1. **Normalise** the text: ASCII brackets and colons become full-width ones, white space goes.
2. **Drop what is not a business activity**: any bracketed note that contains the standard
   sentences "依法须经批准…" or "凭营业执照…", and any bracketed exclusion that starts with
   不含 / 除 / 不得 / 不涉及 / 不从事 ("道路货物运输（不含危险货物）" does not mention
   dangerous goods for matching purposes).
3. **Sections**: since the 2021 standard wording (经营范围规范表述), a scope reads
   "许可项目：…；一般项目：…". Text after "许可项目：" is *licensed*, after "一般项目：" *general*;
   a scope without these headings (older registrations) is *unstructured* and treated like
   licensed text. The text is split into items at ；;，,。 so that a match never spans two items.
4. **Rules in priority order** (higher ``priority`` first, then the older rule): a rule with
   section "许可项目" looks only at licensed and unstructured items, a rule with section "全部"
   at every item. A keyword found in an item **covers** those characters: a keyword of a
   later rule does not match where it lies inside a *longer* keyword already found ("医疗器械"
   of a rule with higher priority wins over "医疗" of a lower one, while "医疗服务" elsewhere
   still matches). The same phrase in two departments' rules matches both ("住宿服务": health
   commission and police). A rule matches if a keyword is found, or else if the entity's
   industry code starts with one of its prefixes.
5. **One notification per department**: the first (highest-priority) matching rule of each
   department gives the licence and legal basis; the keywords it found are the recorded reason.

No match at all → the event is *unmatched* and goes to the list departments claim from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LICENSED = "licensed"
GENERAL = "general"
UNSTRUCTURED = "unstructured"

_BRACKETED = re.compile(r"（[^（）]*）")
_NOTE_MARKERS = ("依法须经批准", "凭营业执照", "具体经营项目以")
_EXCLUSION_STARTS = ("不含", "除", "不得", "不涉及", "不从事", "不包括")
_HEADING = re.compile(r"(许可项目|一般项目)：")
_ITEM_SPLIT = re.compile(r"[；;，,。]+")


@dataclass
class Item:
    section: str
    text: str


@dataclass
class Match:
    rule: object
    keywords: list[str] = field(default_factory=list)
    industry_prefix: str = ""

    @property
    def reason(self) -> str:
        if self.keywords:
            return "、".join(self.keywords)[:100]
        return f"行业代码 {self.industry_prefix}"


def normalise(text: str) -> str:
    text = (text or "").replace("(", "（").replace(")", "）").replace(":", "：")
    return re.sub(r"\s+", "", text)


def _drop_notes(text: str) -> str:
    def replace(match: re.Match) -> str:
        inner = match.group(0)[1:-1]
        if any(m in inner for m in _NOTE_MARKERS) or inner.startswith(_EXCLUSION_STARTS):
            return "；"
        return match.group(0)

    previous = None
    while previous != text:  # nested brackets: innermost first
        previous, text = text, _BRACKETED.sub(replace, text)
    return text


def parse_scope(text: str) -> list[Item]:
    """The items of a business scope with the section each belongs to (steps 1–3)."""
    text = _drop_notes(normalise(text))
    parts = _HEADING.split(text)
    # parts: [before, heading, body, heading, body, ...]
    sections = [(UNSTRUCTURED, parts[0])]
    for i in range(1, len(parts) - 1, 2):
        sections.append((LICENSED if parts[i] == "许可项目" else GENERAL, parts[i + 1]))
    items = []
    for section, body in sections:
        for piece in _ITEM_SPLIT.split(body):
            piece = piece.strip("、 ")
            if piece:
                items.append(Item(section, piece))
    return items


def _occurrences(text: str, keyword: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(keyword)
    while start >= 0:
        spans.append((start, start + len(keyword)))
        start = text.find(keyword, start + 1)
    return spans


def _inside(span: tuple[int, int], covered: list[tuple[int, int]]) -> bool:
    """True if ``span`` lies within a longer span found before."""
    s, e = span
    return any(cs <= s and e <= ce and ce - cs > e - s for cs, ce in covered)


def _sections_for(rule) -> set[str]:
    if getattr(rule, "section", "licensed") == "any":
        return {LICENSED, GENERAL, UNSTRUCTURED}
    return {LICENSED, UNSTRUCTURED}


def match_scope(scope_text: str, industry: str, rules) -> list[Match]:
    """The matching rules, one per department, in priority order (steps 4–5).

    ``rules`` are ScopeRule-like objects (``keyword_list()``, ``prefix_list()``, ``section``,
    ``priority``, ``pk``, ``department_id``) already limited to those in force.
    """
    items = parse_scope(scope_text)
    industry = (industry or "").strip()
    ordered = sorted(rules, key=lambda r: (-r.priority, r.pk or 0))
    matches: list[Match] = []
    covered: list[list[tuple[int, int]]] = [[] for _ in items]
    for rule in ordered:
        allowed = _sections_for(rule)
        found = []
        for keyword in rule.keyword_list():
            keyword = normalise(keyword)
            if not keyword:
                continue
            for index, item in enumerate(items):
                if item.section not in allowed:
                    continue
                spans = [
                    s for s in _occurrences(item.text, keyword) if not _inside(s, covered[index])
                ]
                if spans:
                    covered[index].extend(spans)
                    if keyword not in found:
                        found.append(keyword)
        prefix = ""
        if not found and industry:
            prefix = next((p for p in rule.prefix_list() if industry.startswith(p)), "")
        if found or prefix:
            matches.append(Match(rule, found, prefix))
    best: dict = {}
    for match in matches:
        best.setdefault(match.rule.department_id, match)
    return list(best.values())
