"""The Teams app package: manifest fields Teams checks on upload, and the two icons."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from jsonschema.exceptions import best_match
from jsonschema.validators import Draft4Validator

from bot.teams.leads import _DIGEST, _SUMMARY

TEAMS = Path(__file__).resolve().parents[2] / "teams"
# The official schema of the manifest version we use (MIT, github.com/OfficeDev/microsoft-teams-app-schema, tag v1.17).
SCHEMA = Path(__file__).resolve().parent / "data" / "MicrosoftTeams.v1.17.schema.json"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"  # the README's sideload step replaces it with the bot's app id


def manifest() -> dict[str, Any]:
    return dict(json.loads((TEAMS / "manifest.json").read_text(encoding="utf-8")))


def decode_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit RGBA PNG, checking signature and every chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, color, interlace) == (8, 6, 0)  # 8-bit RGBA, not interlaced
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    assert len(raw) == stride * height and all(raw[i * stride] == 0 for i in range(height))  # filter: none
    return width, height, [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]


def test_manifest_is_valid_against_the_official_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = manifest()
    assert data["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    assert data["$schema"].endswith(f"/v{data['manifestVersion']}/MicrosoftTeams.schema.json")
    error = best_match(Draft4Validator(schema).iter_errors(data))
    assert error is None, f"{error.message[:300]} at {list(error.absolute_path)}"


def test_channel_and_group_chat_replies_need_no_mention() -> None:
    """Without resource-specific consent Teams only delivers channel and group-chat messages that @mention the bot,
    so a reply chain could not continue without a mention."""
    data = manifest()
    rsc = {(p["name"], p["type"]) for p in data["authorization"]["permissions"]["resourceSpecific"]}
    assert rsc == {("ChannelMessage.Read.Group", "Application"), ("ChatMessage.Read.Chat", "Application")}
    # RSC is granted to the Entra app named here: the bot's own app registration, like `id` and `botId`.
    assert data["webApplicationInfo"]["id"] == data["id"] == data["bots"][0]["botId"] == PLACEHOLDER
    assert data["webApplicationInfo"]["resource"]


def test_manifest_fields() -> None:
    data = manifest()
    assert data["manifestVersion"] == "1.17" and GUID.match(data["id"])
    assert len(data["name"]["short"]) <= 30 and len(data["name"]["full"]) <= 100
    assert len(data["description"]["short"]) <= 80 and len(data["description"]["full"]) <= 4000
    assert all(url.startswith("https://") for key, url in data["developer"].items() if key.endswith("Url"))
    assert re.match(r"^#[0-9A-Fa-f]{6}$", data["accentColor"])
    bot = data["bots"][0]
    assert GUID.match(bot["botId"]) and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = bot["commandLists"][0]["commands"]
    assert len(commands) <= 10 and all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    # The leads' commands the manifest advertises are the ones the agent understands.
    titles = {c["title"] for c in commands}
    assert _SUMMARY.match("summary") and "summary" in titles and _DIGEST.match("digest") and "digest" in titles
    for name in data["icons"].values():
        assert (TEAMS / name).is_file()


@pytest.mark.parametrize(("name", "size"), [("color.png", 192), ("outline.png", 32)])
def test_icons_are_valid_pngs_of_the_required_size(name: str, size: int) -> None:
    width, height, rows = decode_png(TEAMS / name)
    assert (width, height) == (size, size)
    pixels = {bytes(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)}
    if name == "outline.png":  # Teams wants white on transparent, nothing else
        assert pixels <= {b"\xff\xff\xff\xff", b"\xff\xff\xff\x00"} and len(pixels) == 2
    else:
        assert all(p[3] == 255 for p in pixels) and len(pixels) >= 2  # opaque, with a visible glyph
