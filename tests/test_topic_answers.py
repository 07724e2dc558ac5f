"""Topic answers: the first passage quoted is the one that answers the question, and a question the knowledge base
cannot answer is told so instead of getting a passage that shares a word with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.knowledge import intent, ranking
from bot.knowledge.query import HEDGE, NOTHING_FOUND, KnowledgeIndex, answer, answer_quote, query_terms
from bot.resources import knowledge_dir

COST = "knowledge/framework/comparison.md § Cost: how much does fine-tuning cost compared with prompting?"
RETUNE = "knowledge/operations/retuning-and-drift.md § How often should we re-tune?"
PEFT = (
    "knowledge/techniques/parameter-efficient-tuning.md § What is parameter-efficient tuning (LoRA, QLoRA, adapters)?"
)
CASCADE = "knowledge/techniques/routing-and-cascades.md § When is a cascade worth building?"
TIME = "knowledge/framework/six-steps.md § Step 4: Time-to-value"
LEAK = "knowledge/risk/security-and-leakage.md § Can a fine-tuned model leak its training data?"


@pytest.fixture(scope="module")
def kb(shipped_index: KnowledgeIndex) -> KnowledgeIndex:
    return shipped_index


def first(index: KnowledgeIndex, question: str) -> str:
    top = index.search(question, 1)[0]
    return f"{top.source} § {top.section}"


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("what would fine-tuning set us back?", COST),  # a cost question without the word "cost"
        ("how frequently do tuned models need a refresh?", RETUNE),  # how often, in everyday words
        ("what is QLoRA?", PEFT),  # a definition
        ("when does a cascade pay off?", CASCADE),  # when it fits
        ("how soon could we have something in front of users?", TIME),  # how long
    ],
)
def test_the_heading_that_asks_the_same_kind_of_question_comes_first(
    kb: KnowledgeIndex, question: str, wanted: str
) -> None:
    assert first(kb, question) == wanted
    text, citations = answer(question, kb)
    assert f"{citations[0].source} § {citations[0].section}" == wanted and wanted in text


def test_words_that_say_little_do_not_move_the_answer(kb: KnowledgeIndex) -> None:
    plain = first(kb, "how much does fine-tuning cost?")
    assert plain == COST
    assert first(kb, "how much does fine-tuning usually really cost, roughly?") == plain
    # Before, "usually" pulled in the passage on drift (it says "usually" and "cost").
    assert "drift" not in first(kb, "hey, how much does finetuning usually cost?")


def test_a_word_used_everywhere_is_not_expanded_but_a_rare_one_is(kb: KnowledgeIndex) -> None:
    generation = kb.generation()
    tuning, retrained = kb._terms(["tuning", "retrained"], generation)
    assert not tuning.expanded  # "fine-tuning" is in most passages: its neighbours ("drift") would only add noise
    assert retrained.expanded and len(retrained.rows) > 2  # rare: also searches "re-tune", "drift", "stale"
    assert first(kb, "fine tuning or prompting for a new chatbot?").split(" § ")[0] != (
        "knowledge/operations/retuning-and-drift.md"
    )


@pytest.mark.parametrize(
    "question",
    [
        "what's the capital of australia?",
        "where do I submit my travel receipts?",
    ],
)
def test_a_question_the_knowledge_base_cannot_answer_is_told_so(kb: KnowledgeIndex, question: str) -> None:
    text, citations = answer(question, kb)
    assert citations == [] and text == NOTHING_FOUND


@pytest.mark.parametrize(
    "question",
    [
        "where can I park my bike at the office?",
        "who is on call for the payroll system this weekend?",
        "how much does a desk booking cost on the third floor?",  # shares "cost" with the cost passages, nothing else
    ],
)
def test_a_question_sharing_only_a_word_or_two_gets_the_closest_passage_under_a_hedge(
    kb: KnowledgeIndex, question: str
) -> None:
    text, citations = answer(question, kb)
    assert text.startswith(HEDGE) and len(citations) == 1
    assert f"{citations[0].source} § {citations[0].section}" in text


def test_a_question_in_the_askers_own_words_is_hedged_not_declined(kb: KnowledgeIndex) -> None:
    # context about the asker covers little of any passage; the closest passage still helps more than "nothing"
    question = "we run a small travel agency and our two support people drown in emails, could prompting help us?"
    text, citations = answer(question, kb)
    assert citations and text != NOTHING_FOUND


def test_without_the_threshold_the_same_question_gets_a_random_passage(tmp_path: Path, built_knowledge: Path) -> None:
    copy = shutil.copyfile(built_knowledge, tmp_path / "knowledge.db")
    quoting = KnowledgeIndex(Path(copy), [knowledge_dir()], refresh_interval=None, min_coverage=0.0)
    try:
        _, citations = answer("where can I park my bike at the office?", quoting)
        assert citations  # the threshold, not an empty search, is what says "nothing found"
    finally:
        quoting.close()


def test_a_real_question_with_a_word_the_knowledge_base_lacks_is_still_answered(kb: KnowledgeIndex) -> None:
    text, citations = answer("could a finetuned model blurt out customer data it was trained on?", kb)
    assert citations and f"{citations[0].source} § {citations[0].section}" == LEAK
    assert "memorize" in text


def test_filler_alone_is_not_a_question(kb: KnowledgeIndex) -> None:
    with pytest.raises(InputError):
        answer("hey, usually really basically?", kb)


def test_chat_wording_becomes_the_knowledge_bases_words() -> None:
    assert query_terms("finetuning prereqs pls") == ["fine", "tuning", "prerequisites"]
    assert query_terms("whats PEFT exactly") == ["peft"]
    assert query_terms("What is the cost of fine-tuning?") == ["cost", "fine", "tuning"]


def test_question_kinds() -> None:
    assert intent.question_kinds("how much does it cost to fine-tune?", 3) == {"cost"}
    assert intent.question_kinds("what’s LoRA?", 1) == {"definition"}
    # Many words: not a request for a definition, though it starts with "what is".
    assert intent.question_kinds("what is the price of tuning a model for legal contracts in Europe", 8) == {"cost"}
    assert intent.question_kinds("tell me about the GoTo case", 2) == frozenset()
    assert intent.heading_kinds("How often should we re-tune?") == {"frequency"}
    assert "cost" in intent.heading_kinds("Cost: how much does fine-tuning cost compared with prompting?")
    assert intent.heading_kinds("GoTo at a glance") == frozenset()


def test_rerank_weighs_rare_words_over_common_ones() -> None:
    common = ranking.Term("tuning", frozenset(range(90)), frozenset({1}))
    rare = ranking.Term("pccp", frozenset({2}), frozenset({2}))
    candidates = [
        ranking.Candidate(1, "a.md", "Fine-tuning in general", "A", 10.0),
        ranking.Candidate(2, "b.md", "PCCP plans", "B", 9.0),
    ]
    ranked = ranking.rerank(candidates, [common, rare], frozenset(), 100)
    assert [c.rowid for c in ranked] == [2, 1]  # by count the two headings tie, and bm25 would keep a.md first
    flat = ranking.rerank(candidates, [common, rare], frozenset(), 100, weighted=False)
    assert [c.rowid for c in flat] == [1, 2]
    assert ranking.coverage(2, [common, rare], 100) > 0.9 > ranking.coverage(1, [common, rare], 100)
    assert ranking.coverage(1, [], 100) == 1.0


def test_rerank_prefers_the_heading_asking_the_questions_kind() -> None:
    word = ranking.Term("retrain", frozenset({1, 2}), frozenset({1, 2}))
    candidates = [
        ranking.Candidate(1, "a.md", "Why models go stale", "A", 10.0),
        ranking.Candidate(2, "a.md", "How often should we re-tune?", "A", 9.0),
    ]
    assert ranking.rerank(candidates, [word], frozenset({"frequency"}), 50)[0].rowid == 2
    assert ranking.rerank(candidates, [word], frozenset(), 50)[0].rowid == 1


def test_the_quote_keeps_the_lead_and_the_list_a_sentence_opens() -> None:
    text = (
        "Self-hosting is a big step. It pays off when:\n\n"
        "- GPUs stay busy all day.\n- Data may not leave the network.\n\n"
        "Unrelated closing remark about licences."
    )
    quote = answer_quote(text, "when does self-hosting pay off?", 120)
    assert quote.startswith("Self-hosting is a big step.")
    assert "It pays off when: GPUs stay busy all day. Data may not leave the network." in quote
    assert "licences" not in quote
    assert answer_quote("", "anything") == ""


def test_typos_are_read_as_the_knowledge_bases_words(kb: KnowledgeIndex) -> None:
    _, citations = answer("can a finetuned modle leak its trainign data?", kb)
    assert citations and f"{citations[0].source} § {citations[0].section}" == LEAK
    assert first(kb, "how much does fine-tunning cost?") == COST  # not "nothing found" for one misspelt word


def test_the_speller_corrects_close_words_only() -> None:
    from bot.knowledge.spelling import Speller

    speller = Speller({"examples": 30, "prompt": 80, "training": 12, "control": 4, "rarity": 1})
    assert speller.correct("exmaples") == "examples"  # two letters swapped: one edit
    assert speller.correct("promt") == "prompt"
    assert speller.correct("trainnig") == "training"
    assert speller.correct("parking") is None  # nothing that close: a word the knowledge base lacks stays as asked
    assert speller.correct("raritty") is None  # the knowledge files use "rarity" once: not a correction target
    assert speller.correct("ctrl") is None  # too short to guess
    assert speller.correct("kontrol") is None  # another first letter


def test_the_quote_drops_a_list_opener_whose_list_does_not_fit() -> None:
    lead = "There is no fixed answer. It depends on two things:\n\n- "
    text = lead + "long " * 80 + "item.\n\nCaching cuts the cost."
    quote = answer_quote(text, "does caching cut the cost?", 200)
    assert quote == "There is no fixed answer. Caching cuts the cost."


@pytest.mark.parametrize(
    "question", ["would masking it all before training be enough?", "is anonymising the data first good enough?"]
)
def test_words_for_redacting_data_find_the_privacy_passages(kb: KnowledgeIndex, question: str) -> None:
    _, citations = answer(question, kb)
    assert citations[0].source in {"knowledge/risk/security-and-leakage.md", "knowledge/risk/regulated-industries.md"}
