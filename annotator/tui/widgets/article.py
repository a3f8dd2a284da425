"""The article: a Line API ScrollView that draws only the visible lines.

The text is wrapped once per width into visual lines (offset ranges). Highlights
(span styles) are bucketed per visual line when the annotation changes; the cursor,
selection and search matches are overlays. Each rendered line is cached by everything
that affects it, so a key press re-renders only the lines whose look changed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.schema import Role
from annotator.session.state import DocState
from annotator.session.tokens import next_grapheme
from annotator.tui.display import visible
from annotator.tui.palette import Palette, palette_for
from annotator.tui.widgets.base import CachedBaseStyle, FastScrollBarRender

_CHUNK = re.compile(r"\S+\s*|\s+")


# Rendered lines kept: a few screens' worth (for going back and forth). Each Strip holds
# several caches of its own, and every object kept is one more for the garbage
# collector's full scans, which stall a key now and then: keep the caches small.
_CACHED_LINES = 500


@lru_cache(maxsize=256)
def _rich(style: str) -> RichStyle:
    """A palette style string ("bold #fff on #2f6fd0") as a rich Style, parsed once."""
    return RichStyle.parse(style)


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Visual lines as (start, end) offsets; a line never splits a grapheme."""
    width = max(4, width)
    lines: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n"):
        start = position
        end = position + len(paragraph)
        if start == end:
            lines.append((start, end))
        else:
            line_start, line_width = start, 0
            for match in _CHUNK.finditer(paragraph):
                chunk_start = start + match.start()
                chunk = match.group()
                stripped = chunk.rstrip()
                chunk_width = cell_len(stripped)
                if line_width + chunk_width > width and line_width > 0:
                    lines.append((line_start, chunk_start))
                    line_start, line_width = chunk_start, 0
                if chunk_width > width:  # a very long word: cut it by cells
                    for char_index, char in enumerate(stripped):
                        w = cell_len(char)
                        if line_width + w > width and line_width > 0 and w > 0:
                            lines.append((line_start, chunk_start + char_index))
                            line_start, line_width = chunk_start + char_index, 0
                        line_width += w
                    line_width += cell_len(chunk[len(stripped):])
                else:
                    line_width += cell_len(chunk)
            lines.append((line_start, end))
        position = end + 1
    return lines


class ArticleView(CachedBaseStyle, ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ArticleView { background: $surface; padding: 0 1; }
    ArticleView:focus { background-tint: $foreground 0%; }
    """

    class Clicked(Message):
        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    class Dragged(Message):
        def __init__(self, anchor: int, offset: int) -> None:
            super().__init__()
            self.anchor = anchor
            self.offset = offset

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = ""
        self.display_text = ""
        self.lines: list[tuple[int, int]] = [(0, 0)]
        self._line_starts: list[int] = [0]
        self._wrap_width = 0
        self._spans_by_line: dict[int, tuple[tuple[int, int, str], ...]] = {}
        self._highlight_key: tuple | None = None
        self._cursor = 0
        self._cursor_end = 0
        self._chosen: tuple[tuple[int, int, str], ...] = ()
        self._contrib: dict[str, tuple] = {}
        self._line_ids: dict[int, set[str]] = {}
        self._selection: tuple[int, int] | None = None
        self._matches: list[tuple[int, int]] = []
        self._cache: OrderedDict[tuple, Strip] = OrderedDict()
        self._drag_anchor: int | None = None
        self._dragged = False
        self.palette: Palette = palette_for(True)

    # ---- content -------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.text = text
        self.display_text = visible(text)
        self._wrap_width = 0
        self._highlight_key = None
        self._cache.clear()
        self._rewrap()
        self.scroll_to(0, 0, animate=False)

    def _content_width(self) -> int:
        return max(10, self.scrollable_content_region.width - 1)

    def _rewrap(self) -> None:
        width = self._content_width()
        if width == self._wrap_width:
            return
        self._wrap_width = width
        # the displayed text (one code point for one): its cell widths are what shows
        self.lines = wrap(self.display_text, width)
        self._line_starts = [start for start, _ in self.lines]
        self._cache.clear()
        self._spans_by_line = {}
        self._highlight_key = None
        self._chosen = ()
        self.virtual_size = Size(width, len(self.lines))

    def on_mount(self) -> None:
        # textual's documented per-widget override (typed as a ClassVar of ScrollBarRender)
        self.vertical_scrollbar.renderer = FastScrollBarRender  # type: ignore[misc, assignment]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Up and down belong to the screen (the cursor moves a visual line, and the view
        follows it); the scroll view's own bindings would only scroll the text."""
        if action in ("scroll_up", "scroll_down"):
            return False
        return super().check_action(action, parameters)

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()
        if self._last_state is not None:
            self.show_state(self._last_state, scroll=False)

    _last_state: DocState | None = None

    def line_of(self, offset: int) -> int:
        return max(0, bisect_right(self._line_starts, offset) - 1)

    def show_state(self, state: DocState, scroll: bool = True, dark: bool | None = None) -> None:
        """Draw ``state``: highlights, cursor, selection; scroll the cursor into view."""
        if dark is not None:
            palette = palette_for(dark)
            if palette is not self.palette:
                self.palette = palette
                self._cache.clear()
                self._highlight_key = None
        self._last_state = state
        if self._wrap_width == 0:
            self._rewrap()
        key = (state.attributions, state.rejected, state.suggestions, self._wrap_width)
        previous = self._highlight_key
        highlights_changed = previous is None or previous[3] != key[3] or any(
            new is not old for new, old in zip(key[:3], previous[:3]))
        changed_lines: set[int] = set()
        full = self._highlight_key is None
        if highlights_changed:
            if full:
                self._contrib, self._line_ids, self._spans_by_line = {}, {}, {}
            self._highlight_key = key
            changed_lines = self._bucket(state)
        old_lines = self._overlay_lines()
        old_chosen = self._chosen_lines()
        self._chosen = self._chosen_spans(state)
        self._cursor = state.cursor
        self._cursor_end = next_grapheme(self.text, state.cursor) if state.cursor < len(self.text) else state.cursor
        self._selection = state.selection
        scrolled = False
        if scroll:
            before = self.scroll_offset.y
            self.scroll_to_offset(state.cursor)
            scrolled = self.scroll_offset.y != before
        if full or scrolled:
            self.refresh()
        else:  # only the lines whose highlights, cursor, selection or chosen attribution changed
            top = self.scroll_offset.y
            bottom = top + self.scrollable_content_region.height
            lines = {line for line in changed_lines if top <= line < bottom}
            for first, last in {old_lines, self._overlay_lines(), old_chosen, self._chosen_lines()}:
                lines.update(range(max(first, top), min(last, bottom - 1) + 1))
            run_start = None
            ordered = sorted(lines)
            for index, line in enumerate(ordered):  # contiguous runs: one refresh each
                if run_start is None:
                    run_start = line
                if index + 1 == len(ordered) or ordered[index + 1] != line + 1:
                    self.refresh_lines(run_start, line - run_start + 1)
                    run_start = None

    def _chosen_lines(self) -> tuple[int, int]:
        if not self._chosen:
            return (0, -1)
        return self.line_of(min(s for s, _, _ in self._chosen)), self.line_of(max(e - 1 for _, e, _ in self._chosen))

    def _chosen_spans(self, state: DocState) -> tuple[tuple[int, int, str], ...]:
        """The selected attribution's spans, drawn over everything else."""
        palette = self.palette
        if state.draft is not None:
            return tuple((span.start, span.end, getattr(palette, f"{role}_selected"))
                         for role, span in zip(("source", "cue"), state.draft) if span is not None)
        item = state.current
        if item is None or item.status == "rejected":
            return ()
        spans: list[tuple[int, int, str]] = []
        for role in (Role.content, Role.source, Role.cue):
            span = item.attribution.span(role)
            if span is None:
                continue
            style = getattr(palette, f"{role.value}_selected")
            if item.status == "pending":
                style = f"{style} underline"
            if role == state.role and state.mode == "edit":
                style = f"{style} {palette.focus}"
            spans.extend((start, end, style) for start, end in span.pieces)
        return tuple(spans)

    def _overlay_lines(self) -> tuple[int, int]:
        """The first and last visual line touched by the cursor and the selection."""
        lo = hi = self._cursor
        if self._selection:
            lo, hi = min(lo, self._selection[0]), max(hi, self._selection[1])
        return self.line_of(lo), self.line_of(hi)

    def set_matches(self, matches: list[tuple[int, int]]) -> None:
        self._matches = matches
        self._cache.clear()
        self.refresh()

    def _bucket(self, state: DocState) -> set[int]:
        """Update the per-line highlight lists for attributions that changed.

        Each attribution's contribution (its spans cut into visual lines) is kept, so an
        accept or an edit recomputes only that attribution's lines, not all 500 spans.
        Returns the visual lines whose highlights changed.
        """
        palette = self.palette
        changed: set[int] = set()
        contrib, line_ids = self._contrib, self._line_ids
        shown = {item.id: item for item in state.items if item.status != "rejected"}
        for attribution_id in [key for key in contrib if key not in shown]:
            for entry in contrib.pop(attribution_id)[2]:
                changed.add(entry[0])
                line_ids.get(entry[0], set()).discard(attribution_id)
        for attribution_id, item in shown.items():
            old = contrib.get(attribution_id)
            if old is not None and old[0] == item.status and old[1] is item.attribution:
                continue
            if old is not None:
                for entry in old[2]:
                    changed.add(entry[0])
                    line_ids.get(entry[0], set()).discard(attribution_id)
            entries = []
            suggested = item.status == "pending"
            for role in (Role.content, Role.source, Role.cue):
                span = item.attribution.span(role)
                if span is None:
                    continue
                style = getattr(palette, f"{role.value}_suggested" if suggested else role.value)
                layer = 1 if role != Role.content else 0
                for start, end in span.pieces:
                    first, last = self.line_of(start), self.line_of(max(start, end - 1))
                    for line in range(first, last + 1):
                        line_start, line_end = self.lines[line]
                        lo, hi = max(start, line_start), min(end, line_end)
                        if hi > lo:
                            entries.append((line, lo - line_start, hi - line_start, style, layer))
            contrib[attribution_id] = (item.status, item.attribution, entries)
            for entry in entries:
                changed.add(entry[0])
                line_ids.setdefault(entry[0], set()).add(attribution_id)
        for line in changed:
            gathered = [entry for attribution_id in line_ids.get(line, ())
                        for entry in contrib[attribution_id][2] if entry[0] == line]
            if gathered:
                gathered.sort(key=lambda entry: (entry[4], entry[1], entry[2]))
                self._spans_by_line[line] = tuple((lo, hi, style) for _, lo, hi, style, _ in gathered)
            else:
                self._spans_by_line.pop(line, None)
        return changed

    # ---- drawing -------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        base = self.base_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        start, end = self.lines[index]
        overlays = []
        if start <= self._cursor <= end:
            lo = self._cursor - start
            hi = self._cursor_end - start if self._cursor_end <= end else lo
            overlays.append(("cursor", lo, max(hi, lo)))
        if self._selection:
            lo, hi = max(self._selection[0], start), min(self._selection[1], end)
            if hi > lo:
                overlays.append(("selection", lo - start, hi - start))
        for match_start, match_end in self._matches_in(start, end):
            overlays.append(("match", match_start - start, match_end - start))
        for chosen_start, chosen_end, style in self._chosen:
            if chosen_start < end and chosen_end > start:
                overlays.append((style, max(chosen_start, start) - start, min(chosen_end, end) - start))
        key = (index, width, self._spans_by_line.get(index), tuple(overlays), self.palette.cursor, base)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._build(start, end, self._spans_by_line.get(index, ()), overlays, width, base)
            self._cache[key] = cached
            if len(self._cache) > _CACHED_LINES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return cached

    def _matches_in(self, start: int, end: int) -> list[tuple[int, int]]:
        if not self._matches:
            return []
        from bisect import bisect_left

        index = bisect_left(self._matches, (start, -1))
        if index > 0:
            index -= 1
        found = []
        for match_start, match_end in self._matches[index:]:
            if match_start >= end:
                break
            if match_end > start:
                found.append((max(match_start, start), min(match_end, end)))
        return found

    def _build(self, start, end, spans, overlays, width, base) -> Strip:
        """One visual line as a Strip: the text cut where a style starts or stops, each
        piece styled by every layer over it (bottom to top: search matches, highlights,
        the chosen attribution, the selection, the cursor). Built from rich Segments
        directly: a scroll redraws a whole screen of lines, so this is the hot path."""
        palette = self.palette
        line_text = self.display_text[start:end]
        matches, chosen, top = [], [], []
        for kind, lo, hi in overlays:
            if kind == "cursor":
                if hi <= lo:  # at the end of the line: a reversed blank
                    line_text += " "
                    lo, hi = len(line_text) - 1, len(line_text)
                top.append((lo, hi, palette.cursor))
            elif kind == "selection":
                top.insert(0, (lo, hi, palette.selection))
            elif kind == "match":
                matches.append((lo, hi, palette.match))
            else:  # the chosen attribution: above the other highlights
                chosen.append((lo, hi, kind))
        layers = [*matches, *spans, *chosen, *top]
        if not layers:
            segments = [Segment(line_text, base)] if line_text else []
            return Strip(segments, cell_len(line_text)).adjust_cell_length(width, base)
        edges = {0, len(line_text)}
        for lo, hi, _ in layers:
            edges.add(lo)
            edges.add(hi)
        cuts = sorted(cut for cut in edges if 0 <= cut <= len(line_text))
        segments = []
        for left, right in zip(cuts, cuts[1:]):
            style = base
            for lo, hi, name in layers:
                if lo <= left and right <= hi:
                    style = style + _rich(name)
            piece = line_text[left:right]
            if segments and segments[-1].style == style:
                segments[-1] = Segment(segments[-1].text + piece, style)
            else:
                segments.append(Segment(piece, style))
        return Strip(segments, cell_len(line_text)).adjust_cell_length(width, base)

    # ---- geometry ------------------------------------------------------------------
    def scroll_to_offset(self, offset: int, center: bool = False) -> None:
        line = self.line_of(offset)
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if center or not (top <= line < top + height):
            target = max(0, line - max(1, height // 3))
            self.scroll_to(y=target, animate=False, immediate=True)

    def offset_at(self, x: int, y: int) -> int:
        """The document offset under cell (x, y) of the widget (scroll included)."""
        index = y + self.scroll_offset.y
        if index >= len(self.lines):
            return len(self.text)
        if index < 0:
            return 0
        start, end = self.lines[index]
        column = x + self.scroll_offset.x - self.styles.padding.left
        width = 0
        position = start
        while position < end:
            char_width = cell_len(self.display_text[position])
            if width + char_width > column:
                break
            width += char_width
            position = next_grapheme(self.text, position)
        return min(position, end)

    def offset_vertical(self, offset: int, lines: int) -> int:
        """The offset ``lines`` visual lines below (or above) ``offset``, same column."""
        line = self.line_of(offset)
        start, _ = self.lines[line]
        column = cell_len(self.display_text[start:offset])
        target = max(0, min(len(self.lines) - 1, line + lines))
        target_start, target_end = self.lines[target]
        width, position = 0, target_start
        while position < target_end:
            char_width = cell_len(self.display_text[position])
            if width + char_width > column:
                break
            width += char_width
            position = next_grapheme(self.text, position)
        return position

    # ---- mouse ---------------------------------------------------------------------
    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self._drag_anchor = self.offset_at(event.x, event.y)
        self._dragged = False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None or not event.button:
            return
        offset = self.offset_at(event.x, event.y)
        if offset != self._drag_anchor:
            self._dragged = True
            self.post_message(self.Dragged(*self._drag_range(self._drag_anchor, offset)))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        anchor = self._drag_anchor
        self._drag_anchor = None
        self.release_mouse()
        if anchor is None:
            return
        if not self._dragged:
            self.post_message(self.Clicked(anchor))
        else:
            self.post_message(self.Dragged(*self._drag_range(anchor, self.offset_at(event.x, event.y))))

    def _drag_range(self, anchor: int, offset: int) -> tuple[int, int]:
        """A drag selects every character it passes over, the ones under the press and
        under the pointer included (as a terminal's own selection does)."""
        text = self.text

        def past(position: int) -> int:
            if position < len(text) and text[position] != "\n":
                return next_grapheme(text, position)
            return position

        if offset >= anchor:
            return anchor, past(offset)
        return past(anchor), offset
