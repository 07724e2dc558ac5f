"""Deadlines said as dates ("by March", "end of Q2", "next quarter", "before the holidays", "by Friday"), turned
into weeks from an explicit `today` so readings are reproducible."""

from __future__ import annotations

import calendar
import datetime as dt

from bot.advisor.reader.tokens import Token

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS.pop("may", None)  # "may" is far more often the verb; "by May" is still read below
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAYS.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6})
_LEADS = {"by", "before", "until", "till", "in", "for", "end", "eo", "early", "mid", "late", "start"}
_HOLIDAYS = {
    "holidays": (12, 20),
    "christmas": (12, 24),
    "xmas": (12, 24),
    "thanksgiving": (11, 26),
    "summer": (6, 21),
    "spring": (3, 20),
    "fall": (9, 22),
    "autumn": (9, 22),
    "winter": (12, 21),
}


def weeks_until(today: dt.date, end: dt.date) -> float:
    """Weeks from today to `end` (at least 0.2: a date in the past or today means "now")."""
    return max(0.2, round((end - today).days / 7, 1))


def _quarter_end(year: int, quarter: int) -> dt.date:
    year, quarter = year + (quarter - 1) // 4, (quarter - 1) % 4 + 1
    month = 3 * quarter
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _next(today: dt.date, month: int, day: int) -> dt.date:
    """The next date with this month and day (this year, or next year if it has passed)."""
    day = min(day, calendar.monthrange(today.year, month)[1])
    date = dt.date(today.year, month, day)
    return (
        date
        if date >= today
        else dt.date(today.year + 1, month, min(day, calendar.monthrange(today.year + 1, month)[1]))
    )


def deadline_date(tokens: list[Token], i: int, today: dt.date) -> tuple[float, int] | None:
    """(weeks, end index) when a date phrase that sets a deadline starts at token i; None also when the date it
    names is past the calendar's last year (a "today" late in year 9999)."""
    try:
        return _deadline_date(tokens, i, today)
    except (ValueError, OverflowError):
        return None


def _deadline_date(tokens: list[Token], i: int, today: dt.date) -> tuple[float, int] | None:
    t = tokens[i].text
    if "-" in t and t.split("-", 1)[0] in {"mid", "end", "early", "late"} and t.split("-", 1)[1] in _MONTHS:
        prefix, month_word = t.split("-", 1)  # "mid-Feb", "end-March"
        day = {"mid": 15, "end": 28, "early": 5, "late": 25}[prefix]
        return weeks_until(today, _next(today, _MONTHS[month_word], day)), i + 1
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    after = tokens[i + 2].text if i + 2 < len(tokens) else ""
    prev = tokens[i - 1].text if i > 0 else ""
    if t in {"tomorrow", "tmrw"} and prev in {"by", "before", "until", "for"}:
        return 0.2, i + 1
    if t in {"eoy", "eod", "eow", "eom", "eoq"}:
        ends = {
            "eoy": dt.date(today.year, 12, 31),
            "eod": today,
            "eow": today + dt.timedelta(days=4 - today.weekday()),
            "eom": dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1]),
            "eoq": _quarter_end(today.year, (today.month - 1) // 3 + 1),
        }
        return weeks_until(today, ends[t]), i + 1
    if t == "q" and nxt in {"1", "2", "3", "4"} and tokens[i + 1].start == tokens[i].end:
        t, nxt = "q" + nxt, after  # "Q1" arrives as "q" and "1"
        i += 1
    if prev in _NAMED_BY_PERIOD or (t in _PERIOD_WORDS and _names_an_event(tokens, i)):
        return None  # "the #1 priority this quarter", "the Q2 review": a period naming something, no deadline
    if t in _HOLIDAYS and prev in {"the", "by", "before", "until", "for"}:
        date = _next(today, *_HOLIDAYS[t])
        if nxt.isdigit() and len(nxt) == 4 and int(nxt) > date.year:  # "Christmas 2027"
            date = date.replace(year=int(nxt))
        return weeks_until(today, date), i + 1 + (nxt.isdigit() and len(nxt) == 4)
    end_of = prev == "of" and i > 1 and tokens[i - 2].text == "end"
    dated = (
        t in _MONTHS and nxt.isdigit() and 1 <= int(nxt) <= 31 and _deadline_words(tokens, i)
    )  # "Jan 10 is the date"
    if prev not in _LEADS and not end_of and not dated and t not in {"next", "this", "end", "q1", "q2", "q3", "q4"}:
        return None
    if t in _WEEKDAYS and prev in {"by", "before", "until", "till", "on"}:
        days = (_WEEKDAYS[t] - today.weekday()) % 7 or 7
        return round(days / 7, 1), i + 1
    month = _MONTHS.get(t) or (5 if t == "may" and prev in {"by", "before", "until", "till", "in"} else None)
    if month and prev == "in" and not _deadline_words(tokens, i):
        return None  # "they left in October" is in the past; "launch in March" is a deadline
    if t == "easter" and prev in {"by", "before", "until", "for", "till"}:
        return weeks_until(today, _next_easter(today)), i + 1
    if month:
        end_of = end_of or prev == "end"
        # "by March" means by the end of March; "before March" its start; "in March" its middle
        day = 28 if end_of or prev in {"by", "until", "till"} else (15 if prev in {"in", "mid"} else 1)
        j = i + 1
        if j < len(tokens) and tokens[j].kind == "num" and tokens[j].text.isdigit() and 1 <= int(tokens[j].text) <= 31:
            day, j = int(tokens[j].text), j + 1  # "january 15", "jan 15th"
            j += j < len(tokens) and tokens[j].text in {"st", "nd", "rd", "th"}
        target = _next(today, month, day)
        if j + 1 < len(tokens) and tokens[j].text == "next" and tokens[j + 1].text == "year":
            target = target.replace(year=today.year + 1)
            j += 2
        return weeks_until(today, target), j
    if t in {"q1", "q2", "q3", "q4"}:
        q = int(t[1])
        year = today.year + (1 if q < (today.month - 1) // 3 + 1 else 0)
        end = _quarter_end(year, q)
        if prev in {"by", "before", "until", "start"} and not (i > 1 and tokens[i - 2].text == "end"):
            end = end.replace(day=1) - dt.timedelta(days=62)  # the quarter's first day
        return weeks_until(today, end), i + 1
    if (t == "end" and nxt == "of") or t in {"this", "next"}:
        if t in {"this", "next"} and prev not in _LEADS and not _deadline_words(tokens, i) and len(tokens) > 6:
            return None  # "the #1 priority this quarter" sets no date
        return _period_phrase(tokens, i, today)
    return None


_NAMED_BY_PERIOD = {"priority", "priorities", "goal", "goals", "focus", "okr", "okrs", "initiative", "theme"}
_PERIOD_WORDS = {"q1", "q2", "q3", "q4", "this", "next"}
_EVENTS = {"review", "reviews", "meeting", "planning", "offsite", "board", "results", "earnings", "report", "kickoff"}


def _names_an_event(tokens: list[Token], i: int) -> bool:
    """ "the Q3 review", "next week's meeting": the period word modifies an event noun right after it."""
    after = [t.text for t in tokens[i + 1 : i + 3]]
    if tokens[i].text in {"this", "next"}:
        after = after[1:]  # "this quarter's review", "next week planning"
    return bool(after) and after[0].removesuffix("'s") in _EVENTS


def _period_phrase(tokens: list[Token], i: int, today: dt.date) -> tuple[float, int] | None:
    """ "this/next week|month|quarter|year", "end of (the|this|next)? week|month|quarter|year"."""
    j = i + 2 if tokens[i].text == "end" else i
    offset = 0
    while j < len(tokens) and tokens[j].text in {"the", "this", "next", "current"}:
        offset += tokens[j].text == "next"
        j += 1
    if j >= len(tokens):
        return None
    unit = tokens[j].text
    current_q = (today.month - 1) // 3 + 1
    if unit == "week":
        return (1.5 if offset else 1.0), j + 1
    if unit == "month":
        first = dt.date(today.year, today.month, 1)
        for _ in range(offset):
            first = (first + dt.timedelta(days=32)).replace(day=1)
        end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return weeks_until(today, end), j + 1
    if unit == "quarter":
        return weeks_until(today, _quarter_end(today.year, current_q + offset)), j + 1
    if unit == "year":
        if offset and tokens[i].text != "end":
            # "next year" is a deadline only after a word that sets one: "by next year", not "sometime next year"
            lead = i > 0 and tokens[i - 1].text in {"by", "before", "until", "in", "for"}
            # "hoping for 10k users by next year" is a growth goal: a deadline needs words about delivering
            return (52.0, j + 1) if lead and (_deadline_words(tokens, i) or len(tokens) <= 6) else None
        return weeks_until(today, dt.date(today.year + offset, 12, 31)), j + 1
    return None


_DEADLINE_WORDS = {
    "date",
    "live",
    "launch",
    "ship",
    "ready",
    "need",
    "needs",
    "deadline",
    "go-live",
    "release",
    "done",
    "deliver",
    "due",
    "finished",
    "want",
    "wants",
    "production",
    "prod",
    "rollout",
    "roll",
}


def _deadline_words(tokens: list[Token], i: int) -> bool:
    sentence = tokens[i].sentence
    return any(t.text in _DEADLINE_WORDS for t in tokens[max(0, i - 12) : i + 6] if t.sentence == sentence)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _next_easter(today: dt.date) -> dt.date:
    this_year = _easter(today.year)
    return this_year if this_year >= today else _easter(today.year + 1)
