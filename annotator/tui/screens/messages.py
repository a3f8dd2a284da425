"""``L``: the last status messages in full, wrapped (the status line holds one line)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen

from annotator.tui.display import visible
from annotator.tui.widgets.panels import LinePanel


class MessagesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    MessagesScreen { align: center middle; }
    MessagesScreen > VerticalScroll { width: 90%; max-width: 100; height: 80%; border: round $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,L", "close", "Close", id="messages.close", tooltip="Close the message log")]

    def __init__(self, history: list[str]) -> None:
        super().__init__()
        self.history = list(history)

    def compose(self) -> ComposeResult:
        inner = max(20, min(100, int(self.app.size.width * 0.9)) - 6)
        lines = [Content.styled("Last messages, newest first (esc closes)", "bold"), Content("")]
        for message in reversed(self.history):
            text = visible(message.replace("\r\n", "\n"))
            for paragraph in text.split("\n"):
                wrapped = Content(paragraph).wrap(inner) or [Content("")]
                lines.append(Content("• ") + wrapped[0])
                lines.extend(Content("  ") + piece for piece in wrapped[1:])
        if not self.history:
            lines.append(Content.styled("No messages yet.", "dim"))
        panel = LinePanel(id="messages")
        panel.styles.height = len(lines)
        panel.set_lines(lines)
        with VerticalScroll():
            yield panel

    def action_close(self) -> None:
        self.dismiss(None)
