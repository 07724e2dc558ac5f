"""Text from users made safe to keep and to print: no control characters (terminal escapes, NULs, bidi overrides).

Applied to everything the store keeps from users (turns, use cases, feedback reasons, decision notes) and to what
the CLI prints or exports, so an admin's terminal or spreadsheet never runs a user's escape sequence. One pass of
`str.translate` over a fixed table: linear in the text's length.
"""

from __future__ import annotations

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI in many terminals), and the Unicode
# bidirectional overrides and isolates that reorder how a line reads ("Trojan Source").
_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_STRIP = dict.fromkeys(_CONTROLS, " ")


def strip_controls(text: str) -> str:
    """`text` with every control character but tab and newline replaced by a space."""
    return text.translate(_STRIP)


def one_line(text: str) -> str:
    """`text` without control characters and on one line (for CLI errors and table cells)."""
    return " ".join(strip_controls(text).split())


def printable(value: object) -> object:
    """A value about to be printed or exported, strings stripped of control characters (other values as they are)."""
    return strip_controls(value) if isinstance(value, str) else value
