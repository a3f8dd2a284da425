"""Small modal dialogs: a line of input, with optional autocomplete from a list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.tui.display import one_line


class InputDialog(ModalScreen[str | None]):
    """Ask for one line of text; with ``choices`` it filters them as you type."""

    DEFAULT_CSS = """
    InputDialog { align: center middle; }
    InputDialog > Vertical { width: 70%; max-width: 80; min-width: 40; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1; }
    InputDialog .title { text-style: bold; }
    InputDialog .hint { color: $text-muted; }
    InputDialog OptionList { height: auto; max-height: 10; border: none; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Dialog: cancel"),
        Binding("down", "choice(1)", "Next choice", show=False, id="dialog.next",
                tooltip="Dialog: next choice (entity)"),
        Binding("up", "choice(-1)", "Previous choice", show=False, id="dialog.previous",
                tooltip="Dialog: previous choice (entity)"),
        # tab completes (as the hint says) instead of moving the focus off the input
        Binding("tab", "complete", "Complete", show=False, id="dialog.complete", priority=True,
                tooltip="Dialog: complete the entity"),
    ]

    def __init__(self, title: str, value: str = "", choices: list[str] | None = None,
                 hint: str = "enter saves · esc cancels · an empty value clears") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.choices = choices or []
        self.hint = hint
        self._matches: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="title")
            suggester = SuggestFromList(self.choices, case_sensitive=False) if self.choices else None
            yield Input(value=self.value, suggester=suggester, id="value")
            if self.choices:
                yield OptionList(id="choices")
            yield Static(Content(self.hint), classes="hint")

    def on_mount(self) -> None:
        self._filter(self.value)
        self.query_one(Input).focus()

    def _filter(self, typed: str) -> None:
        if not self.choices:
            return
        needle = typed.casefold().strip()
        matches = [c for c in self.choices if needle in c.casefold()][:50] if needle else self.choices[:50]
        options = self.query_one("#choices", OptionList)
        options.set_options([Option(Content(one_line(choice, 70)), id=str(i)) for i, choice in enumerate(matches)])
        options.display = bool(matches)
        self._matches = matches

    def on_input_changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    def action_choice(self, step: int) -> None:
        if not self.choices:
            return
        options = self.query_one("#choices", OptionList)
        if not options.option_count:
            return
        current = options.highlighted
        options.highlighted = 0 if current is None else max(0, min(options.option_count - 1, current + step))
        chosen = self._matches[options.highlighted]
        input_ = self.query_one(Input)
        input_.value = chosen
        input_.cursor_position = len(chosen)

    def action_complete(self) -> None:
        """The highlighted choice, else the first that matches what was typed."""
        if not self.choices or not self._matches:
            return
        options = self.query_one("#choices", OptionList)
        index = options.highlighted if options.highlighted is not None else 0
        chosen = self._matches[index]
        input_ = self.query_one(Input)
        input_.value = chosen
        input_.cursor_position = len(chosen)
        input_.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._matches[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
