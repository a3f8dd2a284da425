"""Questions the app must ask before it acts: mark done with undecided suggestions,
and what to do with decisions that could not be written."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.tui.display import visible

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 70%; max-width: 76; min-width: 40; height: auto; max-height: 90%;
    border: round $warning; background: $surface; padding: 0 1; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; margin-top: 1; }}
"""


class _Question(ModalScreen[str | None]):
    """A title, a text (untrusted parts shown literally) and one line of keys."""

    def __init__(self, title: str, text: str, hint: str) -> None:
        super().__init__()
        self.title_text = title
        self.body_text = text
        self.hint_text = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(visible(self.title_text)), classes="title")
            yield Static(Content(visible(self.body_text)), id="body")
            yield Static(Content(self.hint_text), classes="hint")


class ConfirmDialog(_Question):
    """Yes or no; anything but ``y`` (enter included) answers no."""

    DEFAULT_CSS = _CSS.format(name="ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes", id="confirm.yes", tooltip="Question: yes"),
        Binding("n,enter,escape", "answer(None)", "No", id="confirm.no", tooltip="Question: no (the default)"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(title, text, "y yes · n, enter or esc: no")

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)


class UnsavedDialog(_Question):
    """Decisions the journal refused: retry, discard them (saying what is lost), or stay."""

    DEFAULT_CSS = _CSS.format(name="UnsavedDialog")
    BINDINGS = [
        Binding("r", "answer('retry')", "Retry", id="unsaved.retry", tooltip="Unsaved decisions: write them again"),
        Binding("D", "answer('discard')", "Discard", id="unsaved.discard",
                tooltip="Unsaved decisions: discard them (they are lost)"),
        Binding("escape", "answer(None)", "Stay", id="unsaved.stay",
                tooltip="Unsaved decisions: stay on the document"),
    ]

    def __init__(self, summary: str, error: str, leaving: str) -> None:
        super().__init__(
            f"Cannot {leaving}: {summary} not saved",
            f"{error}\nThey are kept in memory and retried. Free space or fix the journal's "
            f"permissions, then press r. D discards them: {summary} would be lost.",
            "r retry · D discard and go on · esc stay",
        )

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
