"""Slack's markup on the way in: the adapter hands the core plain text; parsers that need references read raw."""

from __future__ import annotations

import pytest

from bot.advisor.extract import extract
from bot.slack.listeners.commands import parse_command
from bot.slack.listeners.leads import parse_digest_args
from bot.slack.markup import plain_text, unescape


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@UBOT> a triage bot for our helpdesk", "a triage bot for our helpdesk"),
        ("ping <@W0ABC12|dana> and <@U42> about it", "ping and about it"),
        ("we discussed it in <#C0SUPPORT|support> and <#G123>", "we discussed it in and"),
        ("<!here> <!channel> <!everyone> heads up", "heads up"),
        ("for <!subteam^S0PLAT|@platform-team> only", "for only"),
        ("due <!date^1767225600^{date_short}|Jan 1, 2027> at the latest", "due Jan 1, 2027 at the latest"),
        ("see <https://wiki.example.com/ai|our AI wiki page>", "see our AI wiki page"),
        ("see <https://wiki.example.com/ai?a=1&amp;b=2>", "see https://wiki.example.com/ai?a=1&b=2"),
        ("mail <mailto:ml@example.com|the ML team>", "mail the ML team"),
        ("R&amp;D wants &lt;5% errors &amp; &gt;2 models", "R&D wants <5% errors & >2 models"),
        # what the user typed as text stays text: escaped brackets are not markup, even when they look like it
        ("I typed &lt;@U999&gt; and &lt;!here&gt; myself", "I typed <@U999> and <!here> myself"),
        ("&amp;lt; is how you write &lt;", "&lt; is how you write <"),
        ("a <b> tag and 3 <5", "a <b> tag and 3 <5"),
    ],
)
def test_plain_text_takes_out_slack_markup_then_its_escaping(raw: str, plain: str) -> None:
    assert plain_text(raw) == plain


def test_unescape_undoes_slacks_escaping_once() -> None:
    assert unescape("&amp;amp; &lt;&gt;") == "&amp; <>"


def test_the_core_reads_the_plain_text_of_a_message_with_markup() -> None:
    raw = "<!channel> <@U123> we get <https://x.io/stats|10M requests a month> &amp; have 20k labeled tickets"
    facts = {f.field: f.value for f in extract(plain_text(raw), turn=2).facts}
    assert facts == {"monthly_requests": 10_000_000, "labeled_examples": 20_000}


def test_a_digest_reads_its_channel_from_the_raw_command_text() -> None:
    sub, rest = parse_command("digest 30d <#C0PLATFORM|platform>")
    assert (sub, parse_digest_args(rest)) == ("digest", ("30d", "C0PLATFORM", "platform"))
    # the plain text has no channel left in it: that is why the digest must see the raw text
    assert parse_digest_args(plain_text(rest)) == ("30d", None, None)


def test_a_channel_reference_the_user_typed_is_not_a_channel() -> None:
    """`<#C…>` typed as text arrives escaped; it is not Slack's markup, so it names no channel."""
    with pytest.raises(Exception, match="Usage"):
        parse_digest_args("&lt;#C0PRIVATE01&gt;")
