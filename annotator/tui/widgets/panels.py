"""The side list of attributions, the detail panel and the header: all built from
Content objects (never markup), so article text shows literally."""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual import events
from textual.content import Content, Span as ContentSpan
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from annotator.schema import Role
from annotator.session.state import DocState, Item
from annotator.tui.display import one_line
from annotator.tui.palette import Palette

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


class AttributionList(ScrollView, can_focus=False):
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
            self._keys = []
            self._cache.clear()
        keys = [(item.id, item.status, item.attribution, width) for item in items]
        if len(keys) != len(self._keys):
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
        self._keys = []
        self._highlighted = None
        self.show_state(state, palette)

    def scroll_to_row(self, index: int) -> None:
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.rich_style
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
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._ids):
            self.post_message(self.Picked(self._ids[index]))


def _row(label: str, value: Content | str, focused: bool = False) -> Content:
    marker = "▸" if focused else " "
    head = Content.styled(f"{marker}{label:<8} ", "bold" if focused else "dim")
    body = value if isinstance(value, Content) else Content(value)
    return head + body


class Panel(Static):
    """A Static of fixed height that redraws only when its content changes (no layout)."""

    _shown: object = None

    def show_content(self, content: Content) -> None:
        key = (content.plain, tuple(content.spans))
        if key != self._shown:
            self._shown = key
            self.update(content, layout=False)


class DetailPanel(Panel):
    """Every field of the selected attribution."""

    DEFAULT_CSS = """
    DetailPanel { height: 11; border-top: solid $primary 40%; padding: 0 1; }
    """

    def show_state(self, state: DocState, palette: Palette, width: int = 60) -> None:
        item = state.current
        if state.draft is not None:
            source, cue = state.draft
            lines = [Content.styled("New attribution (draft)", "bold"),
                     _row("source", Content.styled(one_line(source.text, 60), palette.source) if source else Content.styled("— v … 1", "dim")),
                     _row("cue", Content.styled(one_line(cue.text, 60), palette.cue) if cue else Content.styled("— v … 2", "dim")),
                     _row("content", Content.styled("— v … 3 saves it", "dim")),
                     Content.styled("esc abandons it", "dim")]
            self.show_content(Content("\n").join(lines))
            return
        if item is None:
            self.show_content(Content("No attribution selected.\nv selects text, N makes it a new attribution's content."))
            return
        a = item.attribution
        index = (state.index_of(item.id) or 0) + 1
        excerpt = max(20, width * 3)
        score = f" ({a.score:.2f})" if a.score is not None and item.status == "pending" else ""
        lines = [
            Content.styled(f"{index}/{len(state.items)} · {STATUS_WORD[item.status]}{score}", "bold"),
            _row("type", a.type.value),
            _row("entity", Content(one_line(a.source_entity, excerpt)) if a.source_entity else Content.styled("— (E sets it)", "dim")),
        ]
        for role, style in ((Role.source, palette.source), (Role.cue, palette.cue), (Role.content, palette.content)):
            span = a.span(role)
            value = (Content.styled(one_line(span.text, excerpt), style)
                     + (Content.styled(" (in pieces)", "dim") if span.is_discontinuous else Content(""))
                     if span else Content.styled("—", "dim"))
            lines.append(_row(role.value, value, focused=state.mode == "edit" and state.role == role))
        lines.append(_row("note", Content(one_line(a.note, excerpt)) if a.note else Content.styled("—", "dim")))
        action = f" · {a.action.value}" if a.action else ""
        lines.append(_row("origin", Content.styled(f"{a.origin.value}{action} · id {one_line(a.id, 24)}", "dim")))
        self.show_content(Content("\n").join(lines))


class HeaderBar(Panel):
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
        self.show_content(content)


class StatusLine(Panel):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $surface; }
    """

    def say(self, message: str | None, legend: Content | None = None) -> None:
        if message:
            self.show_content(Content(one_line(message)))
        elif legend is not None:
            self.show_content(legend)
        else:
            self.show_content(Content(""))


def legend(palette: Palette) -> Content:
    parts = [("source", palette.source), (" ", ""), ("cue", palette.cue), (" ", ""),
             ("content", palette.content), ("   suggested: ", "dim"), ("source", palette.source_suggested),
             (" ", ""), ("cue", palette.cue_suggested), (" ", ""), ("content", palette.content_suggested)]
    content = Content("")
    for text, style in parts:
        content += Content.styled(text, style) if style else Content(text)
    return content
