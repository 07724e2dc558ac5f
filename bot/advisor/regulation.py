"""Which regulatory regimes apply to a case, by sector and jurisdiction, in the words a card uses.

Only what applies is named: an insurance card points to the NAIC model bulletin, not to FDA device guidance.
Each regime names the `knowledge/risk/regulated-industries.md` section that explains it, so citations can be
filtered to the regimes of the case (see `bot.knowledge.evidence` and `bot.knowledge.query`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.advisor.intake import IntakeValues


@dataclass(frozen=True)
class Regime:
    """One body of rules: its key, the name a card uses, what it asks of a trained model, and how to find it."""

    key: str
    name: str
    validation: str
    query: str  # words of its knowledge section, for retrieval
    section: re.Pattern[str]  # matches the knowledge section titles that belong to this regime only


REGIMES: dict[str, Regime] = {
    r.key: r
    for r in (
        Regime(
            "fda",
            "FDA guidance for AI-enabled medical device software",
            "FDA guidance expects the model, its training and test data and its validation documented in the "
            "marketing submission, with re-tuning planned in a Predetermined Change Control Plan",
            "FDA guidance AI-enabled device software functions medical devices Predetermined Change Control Plan",
            re.compile(r"\bFDA\b|Predetermined Change Control", re.I),
        ),
        Regime(
            "hipaa",
            "HIPAA",
            "HIPAA needs a business associate agreement with any provider that sees PHI, the minimum necessary PHI, "
            "and de-identified data for training where possible",
            "HIPAA PHI protected health information business associate agreement de-identify",
            re.compile(r"\bHIPAA\b|\bPHI\b", re.I),
        ),
        Regime(
            "sr_11_7",
            "model risk management (SR 11-7 / OCC 2011-12)",
            "model risk management under SR 11-7 expects independent validation, ongoing monitoring and a model "
            "inventory entry, and each re-tune is a model change to validate",
            "banking model risk management SR 11-7 OCC 2011-12 independent validation",
            re.compile(r"SR 11-7|model risk management", re.I),
        ),
        Regime(
            "naic",
            "the NAIC model bulletin on insurers' use of AI systems",
            "the NAIC model bulletin expects a written AI systems program: governance, risk management, testing for "
            "unfair discrimination, and oversight of third-party models and data",
            "insurance NAIC model bulletin use of artificial intelligence systems by insurers AIS program",
            re.compile(r"\bNAIC\b|insurers", re.I),
        ),
        Regime(
            "gdpr",
            "GDPR",
            "GDPR needs a lawful basis for training on personal data, data minimisation, a data protection impact "
            "assessment for high-risk processing, and a way to honour erasure requests",
            "GDPR personal data EU lawful basis data protection impact assessment automated decisions",
            re.compile(r"\bGDPR\b", re.I),
        ),
        Regime(
            "eu_ai_act",
            "the EU AI Act",
            "the EU AI Act sets risk-based duties (documentation, data governance, human oversight, logging) that "
            "are heaviest for high-risk uses such as credit, insurance pricing, hiring and medical devices",
            "EU AI Act high-risk AI systems obligations risk-based",
            re.compile(r"\bAI Act\b", re.I),
        ),
    )
}

_DEVICE = re.compile(
    r"\b(?:fda|medical[- ]devices?|samd|software as a medical device|diagnos\w*|radiolog\w*|medical imag\w*|"
    r"imaging|clinical decision support|510\(k\)|de novo)\b"
)
_HEALTH = re.compile(r"\b(?:health\w*|medical|clinical|patients?|hospitals?|phi|hipaa|pharm\w*|clinic|ehr|emr)\b")
_BANK = re.compile(
    r"\b(?:banks?|banking|financial services|lend\w*|loans?|mortgages?|credit (?:union|risk|decisions?|scor\w*|"
    r"cards?)|sr 11-7|model risk|fintech|wealth management|brokerage)\b"
)
_INSURANCE = re.compile(r"\b(?:insur\w*|underwrit\w*|policyholders?|naic|reinsur\w*|actuar\w*)\b")
_EU = re.compile(
    r"\b(?:eu|eea|europe|european|gdpr|ai act|germany|german|france|french|spain|spanish|italy|italian|"
    r"netherlands|dutch|belgium|belgian|ireland|irish|austria|austrian|sweden|swedish|denmark|danish|finland|"
    r"finnish|poland|polish|portugal|portuguese|greece|greek|czech|hungary|romania|luxembourg)\b"
)


def _text(v: IntakeValues) -> str:
    return " ".join(str(x) for x in (v.use_case, v.industry) if x).lower()


def applicable(v: IntakeValues) -> list[Regime]:
    """The regimes that apply to this case, most specific first; empty when none is clearly indicated."""
    text = _text(v)
    keys: list[str] = []
    health = bool(_HEALTH.search(text)) or (v.industry or "").lower() in {"healthcare", "medical devices"}
    if _DEVICE.search(text) and (health or "device" in text or "fda" in text):
        keys.append("fda")
    if health and v.sensitive_data is not False:
        keys.append("hipaa")
    if _BANK.search(text):
        keys.append("sr_11_7")
    if _INSURANCE.search(text):
        keys.append("naic")
    eu = v.eu_personal_data is True or (v.eu_personal_data is None and bool(_EU.search(text)))
    if eu and v.sensitive_data is not False:
        keys += ["gdpr", "eu_ai_act"]
    elif eu:
        keys.append("eu_ai_act")
    return [REGIMES[k] for k in keys]


def names(regimes: list[Regime]) -> str:
    """ "A, B and C" for a card."""
    parts = [r.name for r in regimes]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
