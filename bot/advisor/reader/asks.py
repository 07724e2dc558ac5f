"""Money asked for and money granted: "we asked for 150k, finance approved 90k", "90k is what we requested; what got
signed off is 70k", "we got 60% of the 100k we asked for". When a message says both roles, the amount granted is the
budget and the amount asked for is not; an amount with no role that repeats the ask is the ask said again.
"""

from __future__ import annotations

from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

_ASKED = {"asked", "requested", "request", "pitched", "proposed", "wanted", "hoped", "ask", "requesting", "asking"}
_GRANTED = {
    "approved",
    "signed",
    "sign-off",
    "signoff",
    "greenlit",
    "greenlighted",
    "granted",
    "allocated",
    "okayed",
    "ok'd",
    "awarded",
    "got",
    "gave",
    "given",
    "became",  # "the 200k we asked for became 120k": what the ask turned into
    "become",
    "becomes",
}
_GOT = {"got", "gave", "given"}  # a weak "granted": only of an amount that is money by its own signs
# Words that end the reach of a verb back to an amount: a contrast, or the writer correcting what came before.
_BREAKS = {";", "but", "while", "whereas", "wait", "sorry", "correction", "actually", "oops", "scratch"}
NEAR = 5  # words between a number and the verb that gives it its role, at most


def roles(tokens: list[Token], quantities: list[Quantity]) -> dict[int, str]:
    """Each amount's role by index into `quantities`: "ask", "granted" or "got" (granted, said with a verb as
    plain as "got"); an unmarked amount equal to an ask is that
    ask again. Empty when nothing is asked for (an amount granted alone is read as any budget is)."""
    found: dict[int, str] = {}
    for n, q in enumerate(quantities):
        if q.negative or q.vague:
            continue
        role = _role(tokens, q, n and quantities[n - 1].end)
        if role:
            found[n] = role
    if "ask" not in found.values():
        return {}
    if not {"granted", "got"} & set(found.values()):
        return {n: role for n, role in found.items() if role == "ask"}
    asks = {quantities[n].value for n, role in found.items() if role == "ask"}
    for n, q in enumerate(quantities):
        if n not in found and not q.percent and q.value in asks:
            found[n] = "ask"
    granted = {quantities[n].value for n, role in found.items() if role != "ask"}
    if len(granted - asks) == 1:
        # "we got 75k approved - wait, 75k was the ask, we got 60k": the amount later called the ask is the ask
        for n, role in list(found.items()):
            if role != "ask" and quantities[n].value in asks:
                found[n] = "ask"
    return found


def share_of(tokens: list[Token], q: Quantity, quantities: list[Quantity]) -> Quantity | None:
    """The amount a granted percent is a share of: "got 60% of the 100k" gives the 100k."""
    i = q.end
    if i < len(tokens) and tokens[i].text == "of":
        i += 1
        while i < len(tokens) and tokens[i].text in {"the", "our", "that", "what"}:
            i += 1
        return next((o for o in quantities if o.start == i and not o.percent), None)
    return None


def _role(tokens: list[Token], q: Quantity, floor: int = 0) -> str | None:
    """ "ask", "granted" or "got" from the verb before the amount ("we asked for 150k", "approved 90k", "what got
    signed off is 70k"), else from the words after it in its clause ("90k is what we requested", "the 100k we asked
    for")."""
    sentence = tokens[q.start].sentence
    # not past the amount before ("got 75k approved, wait, 75k was the ask": the verb is the earlier amount's)
    for i in range(q.start - 1, max(floor - 1, q.start - 1 - NEAR), -1):
        tok = tokens[i]
        if tok.sentence != sentence or tok.kind == "num" or tok.text in _BREAKS:
            break
        if tok.text in _GRANTED:
            return "got" if tok.text in _GOT else "granted"
        if tok.text in _ASKED:
            return "ask"
    clause = tokens[q.end - 1].clause
    for tok in tokens[q.end : q.end + NEAR]:
        if tok.clause != clause or tok.kind == "num":
            break
        if tok.text in _ASKED:
            return "ask"
        if tok.text in _GRANTED and tok.text not in _GOT:
            return "granted"
    return None
