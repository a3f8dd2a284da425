"""Colours for spans, per theme (dark and light): one place to tune them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    source: str
    cue: str
    content: str
    source_suggested: str
    cue_suggested: str
    content_suggested: str
    source_selected: str
    cue_selected: str
    content_selected: str
    cursor: str
    selection: str
    match: str
    focus: str
    row: str


DARK = Palette(
    source="#e8f0ff on #1d4478",
    cue="#fff3dd on #7a4d00",
    content="on #1e3a29",
    source_suggested="#7fb2ff underline",
    cue_suggested="#ffbf5e underline",
    content_suggested="#9fd9a8 underline",
    source_selected="bold #ffffff on #2f6fd0",
    cue_selected="bold #1a1a1a on #f0a020",
    content_selected="on #2d5e40",
    cursor="reverse",
    selection="#ffffff on #6a4c9c",
    match="#000000 on #d7a0d7",
    focus="bold underline",
    row="on #2c4a6e",
)

LIGHT = Palette(
    source="#0b2a55 on #c9dcfa",
    cue="#3d2600 on #ffe2a8",
    content="on #ddf1e2",
    source_suggested="#1f5fbf underline",
    cue_suggested="#9a5200 underline",
    content_suggested="#236b34 underline",
    source_selected="bold #ffffff on #2f6fd0",
    cue_selected="bold #1a1a1a on #f0a020",
    content_selected="on #b4e2c0",
    cursor="reverse",
    selection="#000000 on #c8b4f0",
    match="#000000 on #f5b8f5",
    focus="bold underline",
    row="on #b9d0f0",
)


def palette_for(dark: bool) -> Palette:
    return DARK if dark else LIGHT
