"""The side list of attributions, the detail panel and the header: all built from
Content objects (never markup), so article text shows literally."""

from __future__ import annotations

from textual.content import Content, Span as ContentSpan
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

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
    who = one_line(attribution.source_entity or (attribution.source.text if attribution.source else "—"), 16)
    cue = one_line(attribution.cue.text if attribution.cue else "—", 12)
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
    return Content(text, spans, strip_control_codes=False)


class AttributionList(OptionList):
    """The document's attributions in reading order (one line each)."""

    DEFAULT_CSS = """
    AttributionList { height: 1fr; border: none; padding: 0; }
    """
    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._labels: list[tuple[str, str, object]] = []

    def show_state(self, state: DocState, palette: Palette) -> None:
        items = state.items
        width = max(20, self.scrollable_content_region.width - 1)
        keys = [(item.id, item.status, item.attribution, width) for item in items]
        if keys != self._labels:
            old_ids = [key[0] for key in self._labels]
            if old_ids == [key[0] for key in keys]:
                for index, (old, new) in enumerate(zip(self._labels, keys)):
                    if old != new:
                        self.replace_option_prompt_at_index(index, item_label(items[index], palette, width))
            else:
                self.set_options([Option(item_label(item, palette, width), id=item.id) for item in items])
            self._labels = keys
        index = state.index_of(state.selected)
        if index is not None and self.highlighted != index:
            self.highlighted = index
            self.scroll_to_highlight()
        elif index is None:
            self.highlighted = None

    def repaint(self, state: DocState, palette: Palette) -> None:
        self._labels = []
        self.show_state(state, palette)


def _row(label: str, value: Content | str, focused: bool = False) -> Content:
    marker = "▸" if focused else " "
    head = Content.styled(f"{marker}{label:<8} ", "bold" if focused else "dim")
    body = value if isinstance(value, Content) else Content(value)
    return head + body


class DetailPanel(Static):
    """Every field of the selected attribution."""

    DEFAULT_CSS = """
    DetailPanel { height: auto; max-height: 60%; border-top: solid $primary 40%; padding: 0 1; }
    """

    def show_state(self, state: DocState, palette: Palette, width: int = 60) -> None:
        item = state.current
        if item is None:
            self.update(Content("No attribution selected.\nv selects text, N makes it a new attribution's content."))
            return
        a = item.attribution
        index = (state.index_of(item.id) or 0) + 1
        excerpt = max(20, width * 3)
        score = f" · score {a.score:.2f}" if a.score is not None else ""
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
        action = a.action.value if a.action else "—"
        lines.append(_row("origin", Content.styled(f"{a.origin.value} · action {action} · id {one_line(a.id, 24)}", "dim")))
        self.update(Content("\n").join(lines))


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def show(self, title: str | None, date: str | None, position: int, total: int, annotator: str,
             status: str, pending: int, width: int) -> None:
        right = f" │ {date or 'no date'} │ {position}/{total} │ {annotator} │ {status}"
        if pending:
            right += f" · {pending} to decide"
        room = max(8, width - len(right) - 3)
        title_text = one_line(title or "(no headline)", room)
        content = Content.styled(title_text, "bold") + Content.styled(right, "")
        self.update(content)


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $surface; }
    """

    def say(self, message: str | None, legend: Content | None = None) -> None:
        if message:
            self.update(Content(one_line(message)))
        elif legend is not None:
            self.update(legend)
        else:
            self.update("")


def legend(palette: Palette) -> Content:
    parts = [("source", palette.source), (" ", ""), ("cue", palette.cue), (" ", ""),
             ("content", palette.content), ("  suggested: ", "dim"), ("source", palette.source_suggested),
             (" ", ""), ("cue", palette.cue_suggested), (" ", ""), ("content", palette.content_suggested)]
    content = Content("")
    for text, style in parts:
        content += Content.styled(text, style) if style else Content(text)
    return content
