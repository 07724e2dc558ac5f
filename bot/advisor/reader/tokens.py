"""Tokens with their positions, and the clauses and sentences they group into.

One left-to-right scan with a regex whose alternatives cannot backtrack into each other, so the cost is linear in
the length of the message (a message of 20,000 digits is one token, read once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words keep inner hyphens and apostrophes ("hand-rated", "don't"); numbers keep their separators ("1,200", "7.5");
# every other non-space character is a token of its own.
_TOKEN = re.compile(r"(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:['\-][^\W\d_]+)*)|(?P<sym>[^\w\s])")
_SENTENCE_END = {".", "!", "?", ";", "\n"}
# Clause boundaries inside a sentence: punctuation and the conjunctions that start a new statement.
_CLAUSE_PUNCT = {",", "(", ")", "[", "]", "—", "–", "|"}
_QUOTES = {"'", '"', "`", "\u2018", "\u2019", "\u201c", "\u201d"}
# A dot after these ends no sentence ("approx. 600k", "e.g. tickets").
_ABBREVIATIONS = {"e", "g", "i", "approx", "vs", "etc", "incl", "est", "avg", "ca"}
_CLAUSE_WORDS = {"but", "though", "although", "tho", "however", "whereas", "while", "because", "since", "so"}


@dataclass(frozen=True)
class Token:
    """One token: its lower-cased text, kind (num, word, sym), character span, and clause/sentence numbers."""

    text: str
    kind: str
    start: int
    end: int
    clause: int
    sentence: int
    glued: bool = False  # a number with letters stuck to it ("3PL", "gpt-4o") or letters stuck to a number
    quoted: bool = False  # between quote marks: a term mentioned ("what does 'regulated' mean?"), maybe not used

    @property
    def forms(self) -> tuple[str, ...]:
        """The word, then a hyphenated word's parts: what a cue can match it by."""
        return (self.text, *self.parts) if "-" in self.text else (self.text,)

    @property
    def parts(self) -> tuple[str, ...]:
        """A hyphenated word's parts ("expert-labeled" -> ("expert", "labeled")), or the word itself."""
        return tuple(self.text.split("-")) if "-" in self.text else (self.text,)


def tokenize(text: str, limit: int | None = None) -> list[Token]:
    """Tokens of `text` with clause and sentence numbers (clauses never cross a sentence end); at most `limit`
    (and one more, so a caller can tell the text was longer)."""
    tokens: list[Token] = []
    clause = sentence = 0
    quoting = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "sym"
        low = m.group().lower()
        start, end = m.span()
        if kind == "sym" and low in _QUOTES:
            # quotes join no words ("a 'budget' of 5k" reads as "a budget of 5k"), but mark what they enclose
            quoting = _quote_opens(text, start, end) if not quoting else not _quote_closes(text, start)
            continue
        if quoting and "\n" in text[tokens[-1].end if tokens else 0 : start]:
            quoting = False  # an unclosed quote ends with its line
        if kind == "sym" and low == "." and tokens and tokens[-1].text in _ABBREVIATIONS:
            continue
        if tokens and _starts_clause(low, kind, tokens[-1]) and not _in_adjective_list(low, kind, tokens):
            clause += 1
        elif tokens and tokens[-1].text == "-" and _spaced_dash(text, tokens, low, kind):
            clause += 1  # "50k - sorry, I meant 15k": a dash between spaces breaks the clause like an em dash
        glued = kind != "sym" and (
            (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum())
        )
        tokens.append(Token(low, kind, start, end, clause, sentence, glued, quoting))
        if limit is not None and len(tokens) > limit:
            break
        if (kind == "sym" and low in _SENTENCE_END) or (end < len(text) and text[end] == "\n"):
            sentence += 1
            clause += 1
    return _merge(tokens)


def _quote_opens(text: str, start: int, end: int) -> bool:
    """Whether a quote mark opens a quotation: after a space, a bracket or the start, and before a letter or digit
    (not the apostrophe of "users' data")."""
    before = text[start - 1] if start else " "
    return (before.isspace() or before in "([{") and end < len(text) and text[end].isalnum()


def _quote_closes(text: str, start: int) -> bool:
    """Whether a quote mark closes the open quotation: right after a word, a number or a sentence mark."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".?!,")


# Two-word terms read as one token, so cue lists can name them ("data science" -> "data-science").
_MERGES = {
    ("data", "science"): "data-science",
    ("data", "scientist"): "data-scientist",
    ("data", "scientists"): "data-scientists",
    ("machine", "learning"): "machine-learning",
    ("no", "one"): "noone",
    ("deep", "learning"): "deep-learning",
    ("applied", "ml"): "applied-ml",
    ("data", "team"): "data-team",
    ("fine", "tuned"): "fine-tuned",
    ("fine", "tune"): "fine-tune",
}


def _merge(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        merged = _MERGES.get((prev.text, tok.text)) if prev and prev.clause == tok.clause else None
        if prev and merged:
            out[-1] = Token(merged, "word", prev.start, tok.end, prev.clause, prev.sentence, quoted=prev.quoted)
        else:
            out.append(tok)
    return out


def _in_adjective_list(low: str, kind: str, tokens: list[Token]) -> bool:
    """Whether `low` continues a list of adjectives of one noun phrase ("800 clean, hand-checked examples"): then
    the comma before it does not end a clause."""
    from bot.advisor.reader.lexicon import lexicon  # here: the lexicon module reads its phrases with this one

    if kind != "word" or len(tokens) < 2 or tokens[-1].text != ",":
        return False
    adjectives = lexicon()["words"]["list_adjectives"]
    return tokens[-2].text in adjectives and low in adjectives


def _spaced_dash(text: str, tokens: list[Token], low: str, kind: str) -> bool:
    """Whether the hyphen just read stands alone between spaces as a dash (the cleaner writes em dashes so), not as
    a range between two amounts ("4 - 5 months", "$40k - $60k") or a bullet at a line's start."""
    dash = tokens[-1]
    if not (dash.start > 0 and dash.end < len(text) and text[dash.start - 1] == " " and text[dash.end] == " "):
        return False
    if len(tokens) < 2 or tokens[-2].sentence != dash.sentence:
        return False  # a bullet
    before = tokens[-2] if tokens[-2].kind == "num" or len(tokens) < 3 else tokens[-3]
    amount_next = kind == "num" or low in {"$", "€", "£", "~"}
    return not (amount_next and before.kind == "num")


def _starts_clause(low: str, kind: str, previous: Token) -> bool:
    if previous.kind == "sym" and previous.text in _CLAUSE_PUNCT:
        return True
    return kind == "word" and low in _CLAUSE_WORDS
