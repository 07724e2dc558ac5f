"""Offline extraction: free chat text -> intake facts. Deterministic rules, no network."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.advisor.intake import (
    MAX_BUDGET,
    MAX_EXAMPLES,
    MAX_REQUESTS,
    MAX_WEEKS,
    Fact,
    Provenance,
)

MAX_TEXT = 20_000  # characters read from one message; the rest is ignored (and said so)

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "a single": 1, "single": 1, "two": 2, "a couple of": 2, "couple of": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "a dozen": 12, "dozen": 12,
    "a few dozen": 36, "few dozen": 36, "dozens of": 36, "dozens": 36, "a few hundred": 300,
    "hundreds of": 300, "hundreds": 300, "a hundred": 100, "a few thousand": 3000, "thousands of": 3000,
    "thousands": 3000, "a few": 3, "several": 5,
}  # fmt: skip
_SUFFIX = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9}  # fmt: skip

_NUM_WORDS_RE = "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
NUMBER = (
    r"(?P<neg>-\s*)?(?:(?P<pow>\d+(?:\.\d+)?\s*(?:\^|\*\*|e)\s*\d+)"
    r"|(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<suf>k|mm|mn|m|bn|b|thousand|million|billion)?"
    rf"|(?P<word>{_NUM_WORDS_RE}))(?![\w])"
)
_NUMBER_RE = re.compile(NUMBER, re.IGNORECASE)

_PERIOD_FACTOR = {"day": 30.0, "week": 52 / 12, "month": 1.0, "mo": 1.0, "year": 1 / 12, "yr": 1 / 12,
                  "quarter": 1 / 3}  # fmt: skip


@dataclass
class Extraction:
    """What one message said: facts (in order) and notes for the user about what was ignored or unclear."""

    facts: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """Field -> value, later facts winning."""
        return {f.field: f.value for f in self.facts}


def parse_number(match: re.Match[str]) -> float | None:
    """The value of a `NUMBER` match (None for a negative number)."""
    if match.group("neg"):
        return None
    if match.group("pow"):
        base, _, exp = re.split(r"(\^|\*\*|e)", match.group("pow").replace(" ", ""), maxsplit=1)
        try:
            return float(base) * 10 ** float(exp) if "e" in match.group("pow") else float(base) ** float(exp)
        except OverflowError:
            return math.inf
    if match.group("digits"):
        value = float(match.group("digits").replace(",", ""))
        suffix = (match.group("suf") or "").lower()
        return value * _SUFFIX.get(suffix, 1.0)
    return float(_WORD_NUMBERS[match.group("word").lower()])


def clean_text(text: str) -> str:
    """Drop control characters, Slack mention/link markup and excess whitespace."""
    text = text[:MAX_TEXT]
    # Only real Slack markup (<@U123>, <#C123|general>, <!here>, <!subteam^S1|@t>), not any text in angle brackets.
    text = re.sub(r"<[@#][A-Z0-9]+(?:\|[^>]{0,100})?>|<![a-z]+(?:\^[^|>]{0,100})?(?:\|[^>]{0,100})?>", " ", text)
    text = re.sub(r"<(?:https?|mailto):[^|>]*\|([^>]*)>", r"\1", text)  # a link shows its label
    text = re.sub(r"<((?:https?|mailto):[^>]*)>", r"\1", text)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2014", " - ").replace("\u2013", "-")
    return re.sub(r"[ \t]+", " ", text).strip()


class _Reader:
    """Collects facts from one cleaned message."""

    def __init__(self, text: str, turn: int | None, source: str, today: dt.date) -> None:
        self.text = text
        self.low = text.lower()
        self.turn = turn
        self.source = source
        self.today = today
        self.out = Extraction()

    def add(self, name: str, value: Any, quote: str) -> None:
        prov = Provenance(source=self.source, turn=self.turn, quote=quote.strip()[:200])  # type: ignore[arg-type]
        self.out.facts.append(Fact(name, value, prov))

    def has(self, name: str) -> bool:
        return any(f.field == name for f in self.out.facts)

    def search(self, pattern: str) -> re.Match[str] | None:
        return re.search(pattern, self.low)

    def first(self, patterns: Iterable[tuple[str, Any]]) -> tuple[Any, str] | None:
        """The value of the earliest-matching pattern in the text, with the matched words."""
        best: tuple[int, Any, str] | None = None
        for pattern, value in patterns:
            m = re.search(pattern, self.low)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), value, m.group(0))
        return None if best is None else (best[1], best[2])


# --- counts -------------------------------------------------------------------------------------------------

_LABEL_WORDS = r"(?:labell?ed|annotated|approved|tagged|hand-labell?ed|curated|graded|gold|training|example)"
_EXAMPLE_NOUNS = r"(?:examples?|samples?|data ?points?|pairs?|records?|rows?)"


def _labeled_examples(r: _Reader) -> None:
    none = r.search(
        r"\b(?:no|zero|don't have any|do not have any|haven't got any|without)\s+(?:labell?ed\s+|training\s+"
        r"|annotated\s+|historical\s+)?(?:data|examples|training data|labels|dataset)\b"
        r"|\bno\s+(?:labell?ed|training|annotated)\b|\bnothing labell?ed\b|\bhave no data\b"
    )
    adj = rf"(?:[\w/-]+\s+){{0,3}}?{_LABEL_WORDS}\b"
    candidates = [
        rf"{NUMBER}\s+{adj}",  # "300k labeled descriptors", "~60 approved JDs", "20k labeled patient-criteria pairs"
        rf"{NUMBER}\s+(?:[\w-]+\s+){{0,2}}?{_EXAMPLE_NOUNS}\b",  # "20k examples", "5,000 training samples"
        rf"{_LABEL_WORDS}\s+(?:data|examples|set)\s*(?:of|:|=|is|are)?\s*(?:about|around|~|roughly)?\s*{NUMBER}",
    ]
    for pattern in candidates:
        for m in re.finditer(pattern, r.low, re.IGNORECASE):
            value = parse_number(m)
            if value is None:
                r.out.notes.append(f"Ignored a negative count of examples (\"{m.group(0).strip()}\").")
                continue
            if value > MAX_EXAMPLES:
                r.out.notes.append(f"\"{m.group(0).strip()}\" is beyond any real data set; ignored.")
                continue
            context = r.low[max(0, m.start() - 12) : m.start()]
            if re.search(r"\b(?:no|not|without)\s+$", context):
                continue
            r.add("labeled_examples", int(value), m.group(0))
            if none:
                r.out.notes.append(f"You said \"{none.group(0)}\" and \"{m.group(0).strip()}\"; "
                                   f"I'm going with {int(value):,} labeled examples.")  # fmt: skip
            return
    if none:
        r.add("labeled_examples", 0, none.group(0))


def _data_quality(r: _Reader) -> None:
    found = r.first(
        [
            (r"\b(?:noisy|messy|inconsistent|unreliable|dirty|poor(?:ly)?[\s-]label|low[- ]quality|garbage|"
             r"different guidelines|contradictory labels|poor quality)\b", "poor"),
            (r"\b(?:partly clean|somewhat clean|mixed quality|some noise|mostly clean|needs? (?:some )?cleaning)\b",
             "mixed"),
            (r"\b(?:clean|high[- ]quality|expert[- ]labell?ed|carefully labell?ed|well[- ]labell?ed|"
             r"gold[- ]standard|verified|double[- ]annotated|annotated by (?:experts|pathologists|doctors))\b",
             "high"),
        ]
    )  # fmt: skip
    if found:
        r.add("data_quality", found[0], found[1])


def _monthly_requests(r: _Reader) -> None:
    money_before = re.compile(r"[$€£]\s*$|\b(?:usd|budget|spend|cost)\W*$")
    pattern = (
        rf"{NUMBER}\s*(?:[\w/'-]+\s+){{0,4}}?(?:a|an|per|/|every|each)\s*"
        r"(?P<period>day|week|month|mo|year|yr|quarter)\b"
    )
    for m in re.finditer(pattern, r.low, re.IGNORECASE):
        before = r.low[max(0, m.start() - 12) : m.start()]
        if money_before.search(before) or re.search(r"\b(?:within|every|each)\s+$", before):
            continue
        between = r.low[m.end("digits") if m.group("digits") else m.start() : m.start("period")]
        if re.search(r"\b(?:weeks?|months?|days?|years?|sprints?|hours?|minutes?)\b", between):
            continue  # "2 weeks a month", "every two weeks" are durations, not volumes
        value = parse_number(m)
        if value is None:
            r.out.notes.append(f"Ignored a negative volume (\"{m.group(0).strip()}\").")
            continue
        monthly = value * _PERIOD_FACTOR[m.group("period").lower()]
        if monthly > MAX_REQUESTS:
            r.out.notes.append(f"\"{m.group(0).strip()}\" is beyond any real workload; ignored.")
            continue
        r.add("monthly_requests", round(monthly), m.group(0))
        return


def _budget(r: _Reader) -> None:
    money = (
        r"(?:[$€£]\s*(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<asuf>k|m|mm|million|thousand|bn|b)?\b"
        r"|(?P<b>\d[\d,]*(?:\.\d+)?)\s*(?P<bsuf>k|m|million|thousand)?\s*(?:usd|dollars|eur|euros)\b)"
    )
    for m in re.finditer(money, r.low):
        digits = m.group("a") or m.group("b")
        suffix = (m.group("asuf") or m.group("bsuf") or "").lower()
        value = float(digits.replace(",", "")) * _SUFFIX.get(suffix, 1.0)
        before = r.low[max(0, m.start() - 40) : m.start()]
        after = r.low[m.end() : m.end() + 25]
        if re.search(r"(?:cost|costs|spend|spending|paying|pay)\s+(?:us\s+)?(?:about\s+)?$", before) and not re.search(
            r"budget|afford|cap", before
        ):
            continue  # what they pay today, not what they can spend
        if re.search(r"^\s*(?:a|per|/|each)\s*(?:request|call|query|1k|token)", after):
            continue
        if re.search(r"^\s*(?:a|per|/)\s*(?:month|mo)\b", after):
            value *= 36  # a monthly budget over the 3-year horizon
        elif re.search(r"^\s*(?:a|per|/)\s*(?:year|yr)\b", after):
            value *= 3
        if value > MAX_BUDGET:
            r.out.notes.append(f"\"{m.group(0).strip()}\" is beyond any real budget; ignored.")
            continue
        r.add("budget_usd", value, (before[-20:] + m.group(0)).strip())
        return
    zero = r.search(r"\b(?:no budget|zero budget|budget of (?:zero|nothing))\b")
    if zero:
        r.add("budget_usd", 0.0, zero.group(0))


# --- time -------------------------------------------------------------------------------------------------

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}


def _weeks_until(today: dt.date, end: dt.date) -> float:
    return max(0.2, round((end - today).days / 7, 1))


def _quarter_end(today: dt.date, offset: int = 0) -> dt.date:
    q = (today.month - 1) // 3 + offset
    year, q = today.year + q // 4, q % 4
    month = 3 * q + 3
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _deadline(r: _Reader) -> None:
    lead = (
        r"(?:\b(?:in|within|by|before|over the next|next|inside|under|in about|in roughly|in under|"
        r"deadline (?:is|of)|timeline (?:is|of)|have)\s+(?:about\s+|roughly\s+|~\s*|the next\s+)?)"
    )
    units = {"day": 1 / 7, "week": 1.0, "wk": 1.0, "month": 52 / 12, "quarter": 13.0, "year": 52.0}
    patterns = [
        rf"{lead}{NUMBER}[\s-]*(?P<unit>days?|weeks?|wks?|months?|quarters?|years?)\b",
        rf"{lead}(?P<one>a|an|one)\s+(?P<unit>day|week|month|quarter|year)\b",
        rf"\b{NUMBER}[\s-]*(?P<unit>weeks?|months?)\s+(?:deadline|timeline|timeframe|pilot|window|runway)",
    ]
    for pattern in patterns:
        m = re.search(pattern, r.low, re.IGNORECASE)
        if not m or re.search(r"\b(?:every|each|per|a)\s+$", r.low[max(0, m.start() - 8) : m.start()]):
            continue
        unit = m.group("unit").rstrip("s")
        value = 1.0 if "one" in m.groupdict() and m.group("one") else parse_number(m)
        if value is not None:
            weeks = min(value * units[unit], float(MAX_WEEKS))
            r.add("deadline_weeks", round(weeks, 1), m.group(0))
            return
    found = r.first(
        [
            (r"\bby (?:this |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", "weekday"),
            (r"\b(?:by |before )?(?:the )?end of (?:the |this )?week\b|\bthis week\b", 1.0),
            (r"\b(?:asap|as soon as possible|yesterday|urgent(?:ly)?|right away|immediately)\b", 2.0),
            (r"\bnext week\b", 1.5),
            (r"\b(?:by |before )?(?:the )?end of (?:the |this )?month\b|\bthis month\b", "month_end"),
            (r"\bnext month\b", "next_month"),
            (r"\b(?:by |before |within )?(?:the )?end of (?:the |this )?quarter\b|\bthis quarter\b"
             r"|\bbefore quarter[- ]close\b|\bby quarter[- ]end\b", "quarter"),
            (r"\bnext quarter\b", "next_quarter"),
            (r"\b(?:by |before )?(?:the )?end of (?:the |this )?year\b|\bthis year\b", "year_end"),
            (r"\bnext year\b", 52.0),
            (r"\bno (?:rush|hard deadline|deadline)\b|\b(?:long[- ]term|multi[- ]year) (?:project|program)", 52.0),
        ]
    )  # fmt: skip
    if not found:
        return
    kind, quote = found
    today = r.today
    if kind == "weekday":
        day = next(d for d in _WEEKDAYS if d in quote)
        days = (_WEEKDAYS[day] - today.weekday()) % 7 or 7
        days += 7 if "next " in quote else 0
        weeks = round(days / 7, 1)
    elif kind == "month_end":
        weeks = _weeks_until(today, dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1]))
    elif kind == "next_month":
        nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        weeks = _weeks_until(today, nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1]))
    elif kind == "quarter":
        weeks = _weeks_until(today, _quarter_end(today))
    elif kind == "next_quarter":
        weeks = _weeks_until(today, _quarter_end(today, 1))
    elif kind == "year_end":
        weeks = _weeks_until(today, dt.date(today.year, 12, 31))
    else:
        weeks = float(kind)
    r.add("deadline_weeks", weeks, quote)


# --- people, rules, change ---------------------------------------------------------------------------------

_ML = r"(?:ml|machine[- ]learning|data[- ]science|ds|ai|mlops|nlp)"
_ML_PEOPLE = rf"(?:{_ML}\s+(?:engineers?|people|folks|team|experts?|expertise|experience|skills|staff|talent|"
_ML_PEOPLE += r"specialists?|researchers?)|data[- ]scientists?|ml engineers?|ml)"


def _ml_expertise(r: _Reader) -> None:
    none = rf"\b(?:no|zero|without(?: any)?|lack(?:ing)?|don't have(?: any)?|do not have(?: any)?|not much|nobody with|no one with|no in-house|no dedicated)\s+(?:in-house\s+|dedicated\s+)?{_ML_PEOPLE}"  # noqa: E501
    m = r.search(none) or r.search(r"\bnobody (?:here )?knows (?:ml|machine learning)\b")
    if m:
        r.add("ml_expertise", "none", m.group(0))
        return
    count = rf"{NUMBER}[\s-]*(?:person|people|member|strong)?\s*{_ML}\s+(?:team|engineers?|scientists?|people)"
    count2 = rf"(?:{_ML}|data science)\s+team of\s+{NUMBER}"
    count3 = rf"{NUMBER}\s+(?:ml engineers?|data scientists?|{_ML} engineers?)"
    for pattern in (count, count2, count3):
        m = re.search(pattern, r.low, re.IGNORECASE)
        if m and (n := parse_number(m)) is not None:
            r.add("ml_expertise", "strong" if n >= 3 else ("limited" if n >= 1 else "none"), m.group(0))
            return
    found = r.first(
        [
            (r"\b(?:junior|one|a single|1|an?)\s+(?:ml|data science|ai)\s+(?:engineer|person|hire|scientist)\b"
             r"|\b(?:one|a single|1|an?) data scientist\b|\blimited (?:ml|ai) (?:skills|experience|expertise)\b"
             r"|\bsome (?:ml|data science) (?:skills|experience)\b|\blearning ml\b", "limited"),
            (r"\b(?:strong|experienced|large|dedicated|in-house|our own|senior|big)\s+(?:ml|data[- ]science|ai)"
             r"\s+(?:team|engineers?|org|group|scientists?)\b|\b(?:an|our|the)\s+(?:ml|data[- ]science) team\b"
             r"|\bml engineers\b|\bdata scientists\b|\bml researchers\b", "strong"),
        ]
    )  # fmt: skip
    if found:
        r.add("ml_expertise", found[0], found[1])


_HEALTH = r"(?:phi|hipaa|fda|patients?|clinical|medical|pathology|hospitals?|pharmacy|pharma|health ?care|"
_HEALTH += r"diagnos\w*|radiology|ehr|emr)"
_FINANCE = r"(?:banks?|banking|lender|lending|loans?|credit|insurance|insurer|fintech|brokerage|trading|finra|sec)"
_INDUSTRIES: list[tuple[str, str]] = [
    (rf"\b{_HEALTH}\b", "healthcare"),
    (rf"\b{_FINANCE}\b|\bpayments? (?:company|processor|provider)\b", "financial services"),
    (r"\b(?:law firm|legal|patent|contracts?|litigation|attorneys?|lawyers?)\b", "legal"),
    (r"\b(?:government|public sector|agency|federal|municipal)\b", "government"),
    (r"\b(?:airline|aviation|aircraft|faa)\b", "aviation"),
    (r"\b(?:construction|architect\w*|contractors?|building estimat\w*)\b", "construction"),
    (r"\b(?:retail|e-?commerce|shop|store)\b", "retail"),
    (r"\b(?:telecom|carrier)\b", "telecommunications"),
    (r"\b(?:insurance)\b", "insurance"),
    (r"\b(?:tax|accounting|finance team|variance)\b", "finance"),
    (r"\b(?:recruiting|hr|human resources)\b", "human resources"),
    (r"\b(?:school|university|education|students?)\b", "education"),
]


def _regulation(r: _Reader) -> None:
    m = r.search(
        r"\b(?:not|isn't|is not|aren't|are not|no)\s+(?:a\s+)?(?:heavily\s+)?regulat\w*"
        r"|\bunregulated\b|\bno (?:compliance|regulatory) (?:requirements|constraints|concerns)\b"
    )
    if m:
        r.add("regulated", False, m.group(0))
    else:
        m = r.search(
            rf"\b(?:regulat\w*|complian\w*|audit\w*|hipaa|phi|fda|gdpr|sox|pci|finra|sr 11-7|{_HEALTH}|{_FINANCE})\b"
        )
        if m:
            r.add("regulated", True, m.group(0))
    for pattern, industry in _INDUSTRIES:  # listed most specific first
        if m := r.search(pattern):
            r.add("industry", industry, m.group(0))
            break


def _sensitive(r: _Reader) -> None:
    m = r.search(
        r"\bno (?:personal|sensitive|customer|private|patient) (?:data|info\w*)\b|\bno (?:pii|phi)\b"
        r"|\b(?:fully |already )?(?:anonymi[sz]ed|de-?identified|public data only|only public data)\b"
    )
    if m:
        r.add("sensitive_data", False, m.group(0))
        return
    m = r.search(
        r"\b(?:pii|phi|hipaa|personal (?:data|info\w*)|patient (?:data|info\w*|records?|notes)|medical records?|"
        r"health (?:data|records?)|ssns?|social security|credit card|card numbers|account numbers|salary|"
        r"salaries|sensitive (?:data|info\w*)|confidential|customer (?:data|records|pii)|private data|"
        r"patient-criteria)\b"
    )
    if m:
        r.add("sensitive_data", True, m.group(0))


_FREQ = (
    r"(?:weekly|daily|monthly|hourly|every (?:day|week|sprint|month|release|quarter|few (?:days|weeks)|"
    r"two weeks|2 weeks|new \w+)|each (?:sprint|week|release|new \w+)|all the time|constantly|frequently|"
    r"often|regularly|quickly|fast|a lot)"
)


def _changes(r: _Reader) -> None:
    stable = r.first(
        [
            (r"\b(?:stable|unchanged|static|fixed|frozen|settled)\b(?! budget)", False),
            (r"\b(?:rarely|seldom|never|doesn't|does not|don't|do not|won't|hardly ever)\s+(?:really\s+)?change", False),  # noqa: E501
        ]
    )
    changing = r.first(
        [
            (rf"\bchang\w*\s+(?:[\w-]+\s+){{0,2}}?{_FREQ}", True),
            (rf"\b{_FREQ}\s+(?:chang\w*|updat\w*|evolv\w*)", True),
            (r"\b(?:still being (?:figured out|defined|decided|worked out)|keeps? changing|keep evolving|"
             r"evolving|in flux|fast[- ]moving|moving target|new (?:features|products?|policies) (?:every|each|"
             r"all the time)|launches every|add new features|change with each|templates? that change|"
             r"not (?:yet )?(?:settled|defined|stable))\b", True),
        ]
    )  # fmt: skip
    pick = changing if changing and (not stable or changing[1] != stable[1]) else stable
    if changing and stable:
        # Both said: e.g. "domain is stable but templates change all the time" -> the part that changes matters.
        pick = changing
    if pick:
        r.add("changes_often", pick[0], pick[1])


def _gaps(r: _Reader) -> None:
    m = r.search(
        r"\b(?:from|using|over|based on|grounded in|search(?:es|ing)?)\s+(?:our|the|internal|company)\s+"
        r"(?:[\w-]+\s+){0,2}?(?:confluence|wiki|docs|documentation|knowledge ?base|policies|manuals?|pages|"
        r"sharepoint|intranet|handbook|catalog(?:ue)?|kb|faqs?|tickets|contracts|documents)\b"
        r"|\b(?:doesn't|does not|don't|won't) know about\b|\bup[- ]to[- ]date\b|\blatest (?:info\w*|data|"
        r"prices|products|features)\b|\bproprietary (?:data|documents|knowledge|facts)\b|\bfresh (?:facts|data)\b"
    )
    if m:
        r.add("knowledge_gap", True, m.group(0))
    m = r.search(
        r"\b(?:house style|our style|brand voice|tone of voice|consistent (?:format|style|tone|output|structure)|"
        r"specific (?:format|style|tone|schema)|strict (?:format|schema)|classif\w+|extract\w*|pars(?:e|es|ing)\b|"
        r"tag(?:s|ging)?\b|rout(?:e|es|ing)\b|categor(?:y|ies|ize|ise)|scor(?:e|es|ing) (?:against|on|with))"
    )
    if m:
        r.add("behavior_gap", True, m.group(0))
    m = r.search(
        r"\b(?:our|the|an?|existing|current)\s+fine[- ]tuned\b|\bwe (?:already |have )?fine[- ]tuned\b"
        r"|\balready (?:have|run|use) a fine[- ]tuned\b"
    )
    if m:
        r.add("has_fine_tuned_model", True, m.group(0))


def _objective(r: _Reader) -> None:
    m = r.first(
        [
            (r"\b(?:not|isn't|is not|nothing)\s+(?:mission[- ])?critical\b|\blow[- ]stakes\b|\bnice[- ]to[- ]have\b"
             r"|\b(?:pilot|experiment|proof of concept|poc|prototype|brainstorm\w*|internal (?:tool|use) only)\b", False),  # noqa: E501
            (r"\b(?:mission[- ]critical|business[- ]critical|safety[- ]critical|high[- ]stakes|life[- ]or[- ]death|"
             r"(?:is|are) critical|critical (?:for|to)|must (?:be|get it) (?:right|accurate|correct)|"
             r"can't afford (?:mistakes|errors)|errors? (?:are|is) (?:costly|expensive|dangerous)|"
             r"what (?:our )?customers pay (?:us )?for|customer-facing|regulators? audit)\b", True),
        ]
    )  # fmt: skip
    if m:
        r.add("mission_critical", m[0], m[1])
    m = r.first(
        [
            (r"\b(?:deep|specialized|specialised|narrow|domain[- ]specific|expert[- ]level|niche)\s+(?:[\w-]+\s+){0,2}?"
             r"(?:expertise|knowledge|accuracy|domain|understanding|task)\b|\bdomain (?:depth|expertise|knowledge)"
             r" (?:is|are) (?:essential|critical|key|required)\b|\bdomain depth\b", "deep_domain"),
            (r"\b(?:broad|general[- ]purpose|wide range|many different|variety of|all sorts of|flexible|"
             r"open[- ]ended|brainstorm\w*|general questions)\b", "broad_flexibility"),
        ]
    )  # fmt: skip
    if m:
        r.add("needs", m[0], m[1])
    m = r.first(
        [
            (r"\baccura\w+ (?:is|are) (?:critical|key|essential|everything|paramount|the priority|what)"
             r"|\b(?:most|highest|maximum) accura\w+|\baccuracy matters\b|\bprecision\b|\baccuracy first\b", "accuracy"),  # noqa: E501
            (r"\b(?:cost|costs|spend|bill|price) (?:is|are) (?:our |the )?(?:biggest|main|key|top|priority|"
             r"too high|a concern)|\bcheap(?:er|est)?\b|\bcut (?:the )?costs?\b|\bcost[- ](?:sensitive|conscious)\b"
             r"|\bbiggest line item\b|\btight budget\b", "cost"),
            (r"\b(?:asap|as soon as possible|time[- ]to[- ]market|ship (?:fast|quickly)|move fast|quick win|"
             r"speed to market)\b", "speed"),
            (r"\b(?:adaptab\w+|adapt quickly|iterate quickly|flexibility is|easy to change)\b", "adaptability"),
        ]
    )  # fmt: skip
    if m:
        r.add("priority", m[0], m[1])


def _use_case(r: _Reader) -> None:
    text = re.sub(r"^\W+", "", r.text)
    first = re.split(r"(?<=[.!?])\s|\n", text, maxsplit=1)[0].strip()
    if len(first.split()) >= 4:
        r.add("use_case", first[:120].rstrip(" ,;:") + ("…" if len(first) > 120 else ""), first[:60])


_RULES: list[Callable[[_Reader], None]] = [
    _labeled_examples, _data_quality, _monthly_requests, _budget, _deadline, _ml_expertise,
    _regulation, _sensitive, _changes, _gaps, _objective,
]  # fmt: skip


# --- answers to a question --------------------------------------------------------------------------------

_YES = r"^\s*(?:yes|yep|yeah|y|true|correct|it is|we are|we do|definitely|absolutely|sure)\b"
_NO = r"^\s*(?:no|nope|n|false|not really|it isn't|it is not|we aren't|we don't|none|nah)\b"
_CHOICES: dict[str, dict[str, str]] = {
    "needs": {r"deep|domain|special": "deep_domain", r"broad|flex|general|many": "broad_flexibility"},
    "priority": {r"speed|fast|quick|soon": "speed", r"cost|cheap|budget": "cost", r"accura|quality|precis": "accuracy",
                 r"adapt|flex|change": "adaptability"},
    "data_quality": {r"high|clean|good|great|gold|expert": "high", r"mixed|some|ok|okay|partly": "mixed",
                     r"poor|noisy|messy|bad|low": "poor"},
    "ml_expertise": {r"^\s*(?:none|no|nobody|zero)\b": "none", r"limited|some|one|junior|a bit|little": "limited",
                     r"strong|team|several|many|experienced|senior|yes": "strong"},
}  # fmt: skip
_BOOL_FIELDS = {"mission_critical", "regulated", "sensitive_data", "changes_often", "knowledge_gap"}


def _answer_for(r: _Reader, expecting: list[str]) -> None:
    """Read a short answer to a question about `expecting` fields ("about 5k", "no", "strong")."""
    for name in expecting:
        if r.has(name):
            continue
        if name in _BOOL_FIELDS:
            if re.search(_YES, r.low):
                r.add(name, True, r.text[:40])
            elif re.search(_NO, r.low):
                r.add(name, False, r.text[:40])
        elif name in _CHOICES:
            for pattern, value in _CHOICES[name].items():
                if re.search(pattern, r.low):
                    r.add(name, value, r.text[:40])
                    break
        elif name in _NUMERIC_LIMITS:
            _numeric_answer(r, name)


_NUMERIC_LIMITS = {"labeled_examples": MAX_EXAMPLES, "monthly_requests": MAX_REQUESTS, "budget_usd": MAX_BUDGET,
                   "deadline_weeks": MAX_WEEKS}  # fmt: skip
_UNIT_WEEKS = {"day": 1 / 7, "week": 1.0, "month": 52 / 12, "year": 52.0}


def _numeric_answer(r: _Reader, name: str) -> None:
    m = _NUMBER_RE.search(r.low)
    if m is None:
        if name in {"labeled_examples", "budget_usd"} and re.search(r"^\s*(?:none|no|zero|nothing)\b", r.low):
            r.add(name, 0 if name == "labeled_examples" else 0.0, r.text[:40])
        return
    value = parse_number(m)
    if value is None or value > _NUMERIC_LIMITS[name]:
        r.out.notes.append(f"\"{m.group(0).strip()}\" is out of range for {name.replace('_', ' ')}; ignored.")
        return
    if name == "deadline_weeks":
        unit = re.search(r"(day|week|month|year)", r.low[m.end() : m.end() + 12])
        r.add(name, round(value * _UNIT_WEEKS[unit.group(1) if unit else "week"], 1), m.group(0))
    elif name == "budget_usd":
        r.add(name, value, m.group(0))
    else:
        r.add(name, int(value), m.group(0))


def extract(
    text: str,
    *,
    turn: int | None = None,
    expecting: list[str] | None = None,
    today: dt.date | None = None,
    source: str = "message",
) -> Extraction:
    """Extract intake facts from one chat message.

    `expecting` names the fields the last question asked about, so short answers ("about 5k", "no") land there.
    `today` anchors relative dates ("by Friday", "this quarter").
    """
    original_length = len(text)
    r = _Reader(clean_text(text), turn, source, today or dt.date.today())
    if original_length > MAX_TEXT:
        r.out.notes.append(f"Only the first {MAX_TEXT:,} characters of a {original_length:,}-character message were read.")  # noqa: E501
    if not r.low:
        return r.out
    for rule in _RULES:
        rule(r)
    if expecting:
        _answer_for(r, expecting)
    if turn in (None, 0, 1) and not expecting:
        _use_case(r)
    _check_contradictions(r)
    return r.out


def _check_contradictions(r: _Reader) -> None:
    """Keep the more specific fact when one message says two things about the same field."""
    seen: dict[str, Fact] = {}
    for fact in r.out.facts:
        if fact.field in seen and seen[fact.field].value != fact.value:
            r.out.notes.append(
                f"You said \"{seen[fact.field].provenance.quote}\" and \"{fact.provenance.quote}\"; "
                f"I'm going with \"{fact.provenance.quote}\"."
            )
        seen[fact.field] = fact
