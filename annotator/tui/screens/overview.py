"""``o``: every document of the corpus with its status, decided and undecided
suggestions and time spent; search, filter by status, jump by number or id.

The list is a Line API view: only the visible rows are built (each from one corpus
line and the session's journal lines), so a 100,000-document corpus opens at once.
"""

from __future__ import annotations

from collections import OrderedDict

from rich.style import Style as RichStyle
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input

from annotator.session.overview import Overview, Row
from annotator.tui.display import one_line, shorten_middle
from annotator.tui.widgets.base import CachedBaseStyle
from annotator.tui.widgets.panels import LinePanel

STATUS_FILTERS = (None, "in progress", "not started", "done", "skipped")
HIGHLIGHT = RichStyle(reverse=True)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 60:.1f}m" if seconds < 6000 else f"{seconds / 3600:.1f}h"


def _count(value: int | None) -> str:
    return "–" if value is None else str(value)


HEADER = f"{'#':>6} {'status':<11} {'dec':>4} {'undec':>5} {'time':>6}  document"


def row_text(row: Row, width: int) -> Content:
    """One row: number, status, decided, undecided, time, then id · title in what is left."""
    head = (f"{row.position + 1:>6} {row.status:<11} {_count(row.decided):>4} "
            f"{_count(row.undecided):>5} {_minutes(row.seconds):>6}  ")
    room = max(8, width - len(head))
    if row.problem:
        rest = Content.styled(one_line(row.problem, room), "red")
    else:
        doc_id = shorten_middle(row.doc_id, max(8, min(room, 30 if row.title else room)))
        rest = Content.styled(doc_id, "bold")
        if row.title and room - rest.cell_length > 4:
            rest += Content.styled(" · " + one_line(row.title, room - rest.cell_length - 3), "dim")
    style = {"done": "green", "skipped": "dim", "broken": "red", "in progress": "yellow"}.get(row.status, "")
    line = Content(head[:7]) + Content.styled(head[7:19], style) + Content(head[19:]) + rest
    return line.truncate(width) if line.cell_length > width else line


class DocumentTable(CachedBaseStyle, ScrollView, can_focus=False):
    """Rows by position (or the positions a search found), drawn line by line."""

    DEFAULT_CSS = """
    DocumentTable { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """

    class Chosen(Message):
        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, overview: Overview, highlighted: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.overview = overview
        self.positions: list[int] | None = None  # None: the whole corpus in order
        self.highlighted = highlighted
        self._strips: OrderedDict[tuple, Strip] = OrderedDict()
        self.virtual_size = Size(0, len(overview))

    @property
    def row_count(self) -> int:
        return len(self.overview) if self.positions is None else len(self.positions)

    def position_at(self, index: int) -> int:
        return index if self.positions is None else self.positions[index]

    def show(self, positions: list[int] | None, highlighted: int = 0) -> None:
        self.positions = positions
        self.highlighted = highlighted
        self.virtual_size = Size(0, self.row_count)
        self._strips.clear()
        self.refresh()
        self.call_after_refresh(self.scroll_to_highlight)

    def move(self, step: int) -> None:
        if not self.row_count:
            return
        previous = self.highlighted
        self.highlighted = max(0, min(self.row_count - 1, self.highlighted + step))
        if previous != self.highlighted:
            self.scroll_to_highlight()
            self.refresh()

    def scroll_to_highlight(self) -> None:
        top, height = self.scroll_offset.y, max(1, self.scrollable_content_region.height)
        if self.highlighted < top:
            self.scroll_to(y=self.highlighted, animate=False, immediate=True)
        elif self.highlighted >= top + height:
            self.scroll_to(y=self.highlighted - height + 1, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.base_style
        if index >= self.row_count:
            return Strip.blank(width, base)
        position = self.position_at(index)
        chosen = index == self.highlighted
        row = self.overview.row(position)
        key = (row, chosen, width, base)
        strip = self._strips.get(key)
        if strip is None:
            line = row_text(row, width)
            strip = Strip(line.render_segments(), line.cell_length)
            if chosen:
                strip = strip.extend_cell_length(width).apply_style(HIGHLIGHT)
            strip = strip.apply_style(base).adjust_cell_length(width, base)
            self._strips[key] = strip
            if len(self._strips) > 300:
                self._strips.popitem(last=False)
        return strip

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < self.row_count:
            self.highlighted = index
            self.post_message(self.Chosen(self.position_at(index)))


class OverviewScreen(ModalScreen[int | None]):
    """Dismissed with the position of the document to open, or None."""

    DEFAULT_CSS = """
    OverviewScreen { background: $surface; }
    OverviewScreen #summary { height: 1; padding: 0 1; background: $panel; }
    OverviewScreen #columns { height: 1; padding: 0 1; color: $text-muted; }
    OverviewScreen Input { margin: 0 0; }
    OverviewScreen DocumentTable { padding: 0 1; }
    OverviewScreen #hint { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="overview.close", tooltip="Overview: back to the document"),
        Binding("down", "move(1)", "Down", id="overview.down", show=False, priority=True,
                tooltip="Overview: next document"),
        Binding("up", "move(-1)", "Up", id="overview.up", show=False, priority=True,
                tooltip="Overview: previous document"),
        Binding("pagedown", "page(1)", "Page down", id="overview.pagedown", show=False, priority=True,
                tooltip="Overview: a page down"),
        Binding("pageup", "page(-1)", "Page up", id="overview.page-up", show=False, priority=True,
                tooltip="Overview: a page up"),
        Binding("tab", "status_filter", "Status filter", id="overview.filter", priority=True,
                tooltip="Overview: show only in progress / not started / done / skipped / all"),
    ]

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.overview = Overview(session)
        self.query_text = ""
        self.status_filter: str | None = None
        self._applied: tuple[str, str | None] = ("", None)

    def compose(self) -> ComposeResult:
        yield LinePanel(id="summary")
        yield Input(placeholder="a number or an id jumps · other text searches · enter", id="find")
        yield LinePanel(id="columns")
        yield DocumentTable(self.overview, self.session.position, id="table")
        yield LinePanel(id="hint")

    @property
    def table(self) -> DocumentTable:
        return self.query_one(DocumentTable)

    def on_mount(self) -> None:
        self.query_one("#columns", LinePanel).set_lines([Content(HEADER)])
        self._summary()
        self._hint()
        self.query_one(Input).focus()
        self.call_after_refresh(self.table.scroll_to_highlight)

    def _summary(self, found: str = "") -> None:
        counts = self.overview.counts()
        total = len(self.overview)
        started = sum(counts.values())
        text = (f"{total} documents · {counts['done']} done · {counts['in progress']} in progress · "
                f"{counts['skipped']} skipped · {total - started} not started")
        self.query_one("#summary", LinePanel).set_lines([Content.styled(text, "bold") + Content(found)])

    def _hint(self) -> None:
        shown = self.status_filter or "all"
        self.query_one("#hint", LinePanel).set_lines([Content(
            f"↑↓ enter: open · tab: status ({shown}) · esc: back · dec/undec: suggestions")])

    def action_move(self, step: int) -> None:
        self.table.move(step)

    def action_page(self, step: int) -> None:
        self.table.move(step * max(1, self.table.scrollable_content_region.height - 1))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_status_filter(self) -> None:
        index = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        self._hint()
        self._apply(self.query_text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if (typed, self.status_filter) == self._applied and self.table.row_count:
            self.dismiss(self.table.position_at(self.table.highlighted))  # enter again: open it
            return
        target = self.overview.jump_target(typed) if typed else None
        if target is not None:
            self.dismiss(target)
            return
        self._apply(typed)

    def _apply(self, typed: str) -> None:
        self.query_text = typed
        self._applied = (typed, self.status_filter)
        if not typed and self.status_filter is None:
            self.table.show(None, self.session.position)
            self._summary()
            return
        self._summary(" · searching…")
        self._search(typed, self.status_filter)

    @work(thread=True, exclusive=True, group="overview-search")
    def _search(self, typed: str, status: str | None) -> None:
        if typed:
            positions, cut = self.overview.search(typed, status)
        else:  # a status filter alone: every document's row is needed
            positions = [p for p in range(len(self.overview)) if self.overview.row(p).status == status]
            cut = False
        self.app.call_from_thread(self._found, typed, status, positions, cut)

    def _found(self, typed: str, status: str | None, positions: list[int], cut: bool) -> None:
        if (typed, status) != self._applied:
            return  # a newer search is on its way
        self.table.show(positions, 0)
        what = f"{len(positions)}{'+' if cut else ''} found" + (f" for {one_line(typed, 30)}" if typed else "")
        self._summary(f" · {what}")

    def on_document_table_chosen(self, event: DocumentTable.Chosen) -> None:
        self.dismiss(event.position)
