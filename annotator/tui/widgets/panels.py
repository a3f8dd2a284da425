"""The side list of attributions, the detail panel and the header: all built from
Content objects (never markup), so article text shows literally."""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len
from rich.style import Style as RichStyle
from textual import events
from textual.content import Content
from textual.content import Span as ContentSpan
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from annotator.schema import Role
from annotator.session.state import DocState, Item
from annotator.tui.display import one_line
from annotator.tui.palette import Palette
from annotator.tui.widgets.base import CachedBaseStyle, FastScrollBarRender

GLYPH = {"pending": "?", "accepted": "✓", "edited": "✎", "added": "+", "rejected": "✗"}
STATUS_WORD = {
    "pending": "suggested",
    "accepted": "accepted",
    "edited": "edited",
    "added": "added by hand",
    "rejected": "rejected",
}


def item_label(item: Item, palette: Palette, width: int = 40) -> Content:
    """One line: status glyph, who (entity or source), cue, and as much content as fits."""
    attribution = item.attribution
    who = one_line(attribution.source_entity or (attribution.source.text if attribution.source else "—"),
                   max(6, min(20, width // 3)))
    cue = one_line(attribution.cue.text if attribution.cue else "—", max(5, min(14, width // 4)))
    from rich.cells import cell_len

    room = max(6, width - 2 - cell_len(who) - cell_len(cue) - 6)
    parts = [
        (GLYPH[item.status] + " ", "bold" if item.status != "pending" else "dim"),
        (who, palette.source_suggested if item.status == "pending" else "bold"),
        (" · ", "dim"),
        (cue, "italic"),
        (" · ", "dim"),
        (one_line(attribution.content.text, room), "dim" if item.status == "rejected" else ""),
    ]
    if width < NARROW_ROW:  # no room for three: who, and the start of what is claimed
        parts = narrow_parts(item, palette, width)
    text, spans, position = "", [], 0
    for piece, style in parts:
        text += piece
        if style:
            spans.append(ContentSpan(position, position + len(piece), style))
        position += len(piece)
    if item.status == "rejected":
        spans.append(ContentSpan(0, len(text), "strike dim"))
    label = Content(text, spans, strip_control_codes=False)
    if label.cell_length > width:
        label = label.truncate(width, ellipsis=True)
    return label


NARROW_ROW = 48  # below this a list row drops the cue (the detail panel shows it)


def narrow_parts(item: Item, palette: Palette, width: int) -> list[tuple[str, str]]:
    """A narrow row: the source (entity, else its text, else the cue in italics when
    there is no source) and as much of the content's start as fits."""
    attribution = item.attribution
    if attribution.source_entity or attribution.source:
        who = attribution.source_entity or attribution.source.text  # type: ignore[union-attr]
        who_style = palette.source_suggested if item.status == "pending" else "bold"
    else:
        who, who_style = (attribution.cue.text if attribution.cue else "—"), "italic"
    who = one_line(who, max(6, min(16, (width - 4) // 2)))
    from rich.cells import cell_len

    room = max(6, width - 2 - cell_len(who) - 3)
    return [
        (GLYPH[item.status] + " ", "bold" if item.status != "pending" else "dim"),
        (who, who_style),
        (" · ", "dim"),
        (one_line(attribution.content.text, room), "dim" if item.status == "rejected" else ""),
    ]


class AttributionList(CachedBaseStyle, ScrollView, can_focus=False):
    """The document's attributions in reading order, one line each (Line API).

    Only changed rows are re-rendered: a new highlight repaints two lines, an accept
    one label; OptionList would re-measure every option on each change.
    """

    DEFAULT_CSS = """
    AttributionList { height: 1fr; padding: 0; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """

    class Picked(Message):
        def __init__(self, attribution_id: str) -> None:
            super().__init__()
            self.attribution_id = attribution_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keys: list[tuple] = []
        self._labels: list[Content] = []
        self._ids: list[str] = []
        self._highlighted: int | None = None
        self._cache: dict[tuple, Strip] = {}
        self._palette: Palette | None = None
        self._stale = True

    def on_mount(self) -> None:
        # textual's documented per-widget override (typed as a ClassVar of ScrollBarRender)
        self.vertical_scrollbar.renderer = FastScrollBarRender  # type: ignore[misc, assignment]

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @property
    def option_count(self) -> int:
        return len(self._ids)

    def show_state(self, state: DocState, palette: Palette) -> None:
        items = state.items
        width = max(20, self.size.width - 2)  # room for the vertical scrollbar, always
        if palette is not self._palette:
            self._palette = palette
            self._stale = True
            self._cache.clear()
        keys = [(item.id, item.status, item.attribution, width) for item in items]
        index: int | None  # a row below, then the selected row
        if self._stale or len(keys) != len(self._keys):
            self._stale = False
            self._keys, self._ids = keys, [item.id for item in items]
            self._labels = [item_label(item, palette, width) for item in items]
            self.virtual_size = Size(0, len(items))
            self._cache.clear()
            self.refresh()
        else:
            for index, (old, new) in enumerate(zip(self._keys, keys)):
                if old[0] != new[0] or old[1] != new[1] or old[3] != new[3] or old[2] is not new[2]:
                    self._keys[index] = new
                    self._ids[index] = new[0]
                    self._labels[index] = item_label(items[index], palette, width)
                    self.refresh_lines(index, 1)
        index = state.index_of(state.selected)
        if index != self._highlighted:
            previous, self._highlighted = self._highlighted, index
            for line in (previous, index):
                if line is not None:
                    self.refresh_lines(line, 1)
            if index is not None:
                self.scroll_to_row(index)

    def repaint(self, state: DocState, palette: Palette) -> None:
        """Rebuild every row (another document: even with as many rows as before, or
        none, nothing of the previous list may stay)."""
        self._stale = True
        self._highlighted = None
        self.show_state(state, palette)

    def scroll_to_row(self, index: int) -> None:
        """Bring a row into view with room to go on: a row below the view lands a third
        of the way down, one above it two thirds down, so moving on with j or a scrolls
        once per page, not once per row (each scroll repaints the whole list)."""
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if index < top:
            self.scroll_to(y=max(0, index - (2 * height) // 3), animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=max(0, index - height // 3), animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.base_style
        if index >= len(self._labels):
            return Strip.blank(width, base)
        chosen = index == self._highlighted
        key = (index, id(self._labels[index]), chosen, width, base)
        strip = self._cache.get(key)
        if strip is None:
            label = self._labels[index]
            if chosen and self._palette is not None:
                label = label.stylize_before(self._palette.row)
            strip = Strip(label.render_segments(), label.cell_length)
            if chosen and self._palette is not None:
                strip = strip.extend_cell_length(width, RichStyle.parse(self._palette.row))
            strip = strip.apply_style(base).adjust_cell_length(width, base)
            if len(self._cache) > 400:  # a few screens of rows: see article._CACHED_LINES
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._ids):
            self.post_message(self.Picked(self._ids[index]))


class Panel(Static):
    """A Static of fixed height that redraws only when its content changes (no layout)."""

    _shown: object = None

    def show_content(self, content: Content) -> None:
        key = (content.plain, tuple(content.spans))
        if key != self._shown:
            self._shown = key
            self.update(content, layout=False)


class LinePanel(CachedBaseStyle, Widget):
    """A panel of ready-made lines (one Content each) drawn with the Line API.

    Nothing is wrapped or measured by Textual: a change repaints only the lines that
    differ, so the panels cost next to nothing per key press.
    """

    DEFAULT_CSS = """
    LinePanel { height: 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[Content] = []
        self._keys: list[tuple] = []
        self._strips: dict[tuple, Strip] = {}

    def set_lines(self, lines: list[Content]) -> None:
        keys = [(line.plain, tuple(line.spans)) for line in lines]
        if keys == self._keys:
            return
        old = self._keys
        self._lines, self._keys = lines, keys
        if len(self._strips) > 256:
            self._strips.clear()
        width = self.size.width
        if not width:  # not laid out yet: the first frame draws everything
            self.refresh()
            return
        changed = [y for y in range(max(len(old), len(keys)))
                   if y >= len(old) or y >= len(keys) or old[y] != keys[y]]
        if changed:  # one region from the first changed line to the last: one refresh
            self.refresh(Region(0, changed[0], width, changed[-1] - changed[0] + 1))

    @property
    def text(self) -> str:
        """What the panel shows, as plain text (one line per line)."""
        return "\n".join(line.plain for line in self._lines)

    def render(self) -> Content:  # for tests and tools; drawing goes through render_line
        return Content("\n").join(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.base_style
        if y >= len(self._lines):
            return Strip.blank(width, base)
        key = (self._keys[y], width, base)
        strip = self._strips.get(key)
        if strip is None:
            line = self._lines[y]
            if line.cell_length > width:
                line = line.truncate(width, ellipsis=True)
            strip = Strip(line.render_segments(), line.cell_length).apply_style(base).adjust_cell_length(width, base)
            self._strips[key] = strip
        return strip


LABEL_WIDTH = 9  # "▸content ": the marker, the longest label, a space


def _wrap(value: Content, room: int) -> list[Content]:
    if value.cell_length <= room:
        return [value]
    return [line.rstrip() for line in value.wrap(room)] or [Content("")]


@lru_cache(maxsize=64)
def _head(label: str, focused: bool) -> Content:
    return Content.styled(f"{'▸' if focused else ' '}{label:<{LABEL_WIDTH - 2}} ", "bold" if focused else "dim")


_INDENT = Content(" " * LABEL_WIDTH)
_ELLIPSIS = Content("…")


def _field(label: str, wrapped: list[Content], room: int, budget: int, focused: bool = False) -> list[Content]:
    """A labelled field: the value beside its label, continuation lines indented under
    the value (never under the label), at most ``budget`` lines, cut with "…"."""
    if len(wrapped) > budget:
        last = wrapped[budget - 1]
        wrapped = wrapped[: budget - 1] + [last.truncate(room - 1) + _ELLIPSIS]
    return [_head(label, focused) + wrapped[0]] + [_INDENT + line for line in wrapped[1:]]


def _tail(value: Content, room: int) -> Content:
    """The last ``room`` cells of ``value``, starting at a word where one is near."""
    plain = value.plain
    start, width = len(plain), 0
    while start > 0 and width + cell_len(plain[start - 1]) <= room:
        start -= 1
        width += cell_len(plain[start])
    if 0 < start < len(plain) and not plain[start - 1].isspace():  # cut inside a word
        space = plain.find(" ", start, start + room // 2)
        if space != -1:
            start = space + 1
    return value[start:]


def _field_with_end(label: str, value: Content, wrapped: list[Content], room: int, budget: int,
                    focused: bool) -> list[Content]:
    """A long content: its first lines, then "… " and its last words, so where it ends
    shows too (a wrong end is the commonest boundary mistake)."""
    if budget < 2:
        return _field(label, wrapped, room, budget, focused)
    end = _ELLIPSIS + Content(" ") + _tail(value, room - 2)
    return _field(label, wrapped[: budget - 1] + [end], room, budget, focused)


class DetailPanel(LinePanel):
    """Every field of the selected attribution, each beside its label; the content gets
    the lines left over, so the note and the origin always show."""

    DEFAULT_CSS = """
    DetailPanel { height: 11; border-top: solid $primary 40%; padding: 0 1; }
    """

    def show_state(self, state: DocState, palette: Palette, width: int = 60) -> None:
        width = self.scrollable_content_region.width or width
        height = self.scrollable_content_region.height or 10
        limit = max(40, width * height)  # never wrap more of a long span than can show
        item = state.current
        if state.draft is not None:
            source, cue = state.draft
            fields: list[tuple] = [("source", Content.styled(one_line(source.text, limit), palette.source) if source else Content.styled("— v … 1", "dim")),
                      ("cue", Content.styled(one_line(cue.text, limit), palette.cue) if cue else Content.styled("— v … 2", "dim")),
                      ("content", Content.styled("— v … 3 saves it", "dim"))]
            lines = [Content.styled("New attribution (draft)", "bold")]
            lines += self._fields(fields, width, height - 2)
            lines.append(Content.styled("esc abandons it", "dim"))
            self.set_lines(lines)
            return
        if item is None:
            hint = Content.styled("v selects text, N makes it a new attribution's content.", "dim")
            self.set_lines([Content("No attribution selected."), *hint.wrap(max(10, width))])
            return
        a = item.attribution
        index = (state.index_of(item.id) or 0) + 1
        score = f" ({a.score:.2f})" if a.score is not None and item.status == "pending" else ""
        fields = [
            ("type", Content(a.type.value)),
            ("entity", Content(one_line(a.source_entity, limit)) if a.source_entity else Content.styled("— (E sets it)", "dim")),
        ]
        editing = state.mode == "edit"
        for role, style in ((Role.source, palette.source), (Role.cue, palette.cue), (Role.content, palette.content)):
            span = a.span(role)
            value = (Content.styled(one_line(span.text, limit), style)
                     + (Content.styled(" (in pieces)", "dim") if span.is_discontinuous else Content(""))
                     if span else Content.styled("—", "dim"))
            fields.append((role.value, value, editing and state.role == role))
        fields.append(("note", Content(one_line(a.note, limit)) if a.note else Content.styled("—", "dim")))
        # (the action, accepted or edited, is the status in the first line)
        fields.append(("origin", Content.styled(f"{a.origin.value} · id {one_line(a.id, 24)}", "dim")))
        lines = [Content.styled(f"{index}/{len(state.items)} · {STATUS_WORD[item.status]}{score}", "bold")]
        self.set_lines(lines + self._fields(fields, width, height - 1))

    @staticmethod
    def _fields(fields: list[tuple], width: int, height: int) -> list[Content]:
        """Each field on one line at least; the lines left over go first to a source or
        cue that needs a second line (they are short: cut, they mislead), then to the
        content, then to whatever still needs them."""
        room = max(4, width - LABEL_WIDTH)
        wrapped = {field[0]: _wrap(field[1], room) for field in fields}
        budget = {name: 1 for name in wrapped}
        spare = max(0, height - len(fields))
        for name, most in (("source", 2), ("cue", 2), ("content", None), ("source", None),
                           ("cue", None), ("note", None), ("entity", None)):
            if name in wrapped and spare:
                want = len(wrapped[name]) if most is None else min(most, len(wrapped[name]))
                extra = max(0, min(spare, want - budget[name]))
                budget[name] += extra
                spare -= extra
        lines: list[Content] = []
        for label, value, *focused in fields:
            is_focused = bool(focused and focused[0])
            if label == "content" and len(wrapped[label]) > budget[label]:
                lines += _field_with_end(label, value, wrapped[label], room, budget[label], is_focused)
            else:
                lines += _field(label, wrapped[label], room, budget[label], is_focused)
        return lines


class HeaderBar(LinePanel):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def show(self, title: str | None, date: str | None, position: int, total: int, annotator: str,
             status: str, pending: int, width: int, done: int = 0) -> None:
        if width >= 110:
            right = f" │ {date or 'no date'} │ {position}/{total} ({done} done) │ {annotator} │ {status}"
            if pending:
                right += f" · {pending} to decide"
        else:  # narrow: the title needs the room
            state = f"{pending} to decide" if pending and status != "done" else status
            right = f" │ {date or 'no date'} │ {position}/{total} │ {annotator} │ {state}"
        room = max(8, width - len(right) - 3)
        title_text = one_line(title or "(no headline)", room)
        content = Content.styled(title_text, "bold") + Content.styled(right, "")
        self.set_lines([content])


MESSAGE_LOG_SIZE = 50


class StatusLine(LinePanel):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $surface; }
    """

    MORE = " (L: all)"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []  # the last messages, oldest first (L shows them)

    def say(self, message: str | None, legend: Content | None = None) -> None:
        if message:
            if not self.history or self.history[-1] != message:
                self.history.append(message)
                del self.history[:-MESSAGE_LOG_SIZE]
            width = self.scrollable_content_region.width
            shown = one_line(message)
            if width and cell_len(shown) > width:  # cut, and say where the rest is
                shown = one_line(message, max(8, width - len(self.MORE))) + self.MORE
            self.set_lines([Content(shown)])
        elif legend is not None:
            self.set_lines([legend])
        else:
            self.set_lines([Content("")])


@lru_cache(maxsize=8)
def legend(palette: Palette) -> Content:
    parts = [("source", palette.source), (" ", ""), ("cue", palette.cue), (" ", ""),
             ("content", palette.content), ("   suggested: ", "dim"), ("source", palette.source_suggested),
             (" ", ""), ("cue", palette.cue_suggested), (" ", ""), ("content", palette.content_suggested)]
    content = Content("")
    for text, style in parts:
        content += Content.styled(text, style) if style else Content(text)
    return content
