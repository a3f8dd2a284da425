"""Small modal dialogs: a line of input, with optional autocomplete from a list.

With choices (the entity dialog) one choice is always highlighted and visible; the
grey completion after the cursor, tab and right all give that same choice; up/down
move the highlight without rewriting what was typed. Matching ignores case and the
apostrophe's style, so "Xi's" finds "Xi’s". Values from files are shown with their
control characters replaced (display.visible) and given back unchanged if not edited.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.session.source_entity import fold
from annotator.tui.display import one_line, visible


class InputDialog(ModalScreen[str | None]):
    """Ask for one line of text; with ``choices`` it filters them as you type."""

    DEFAULT_CSS = """
    InputDialog { align: center middle; }
    InputDialog > Vertical { width: 70%; max-width: 80; min-width: 40; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1; }
    InputDialog .title { text-style: bold; }
    InputDialog .hint { color: $text-muted; }
    InputDialog OptionList { height: auto; max-height: 10; border: none; }
    /* the highlighted choice shows while the focus stays in the input */
    InputDialog OptionList > .option-list--option-highlighted { color: $block-cursor-foreground;
        background: $block-cursor-background; text-style: bold; }
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
        Binding("right", "complete_or_right", "Complete", show=False, id="dialog.right", priority=True,
                tooltip="Dialog: complete the entity (at the end of the input)"),
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
            yield Static(Content(visible(self.title_text)), classes="title")
            yield Input(value=visible(self.value), id="value")
            if self.choices:
                yield OptionList(id="choices")
            yield Static(Content(self.hint), classes="hint")

    def on_mount(self) -> None:
        self._filter(self.value)
        self.query_one(Input).focus()

    def _filter(self, typed: str) -> None:
        if not self.choices:
            return
        needle = fold(typed.strip())
        if needle:  # names that start with it first, then those that hold it
            starting = [c for c in self.choices if fold(c).startswith(needle)]
            holding = [c for c in self.choices if needle in fold(c) and not fold(c).startswith(needle)]
            matches = (starting + holding)[:50]
        else:
            matches = self.choices[:50]
        options = self.query_one("#choices", OptionList)
        options.set_options([Option(Content(one_line(choice, 70)), id=str(i)) for i, choice in enumerate(matches)])
        options.display = bool(matches)
        self._matches = matches
        options.highlighted = 0 if matches else None
        self._show_completion()

    def _show_completion(self) -> None:
        """The grey text after the cursor: the rest of the highlighted choice, when it
        starts with what was typed (else the highlighted row alone shows what tab gives)."""
        input_ = self.query_one(Input)
        chosen = self._highlighted_choice()
        typed = input_.value
        if chosen is not None and typed and fold(visible(chosen)).startswith(fold(typed)):
            input_._suggestion = typed + visible(chosen)[len(typed):]
        else:
            input_._suggestion = ""

    def _highlighted_choice(self) -> str | None:
        if not self.choices or not self._matches:
            return None
        options = self.query_one("#choices", OptionList)
        index = options.highlighted if options.highlighted is not None else 0
        return self._matches[index] if index < len(self._matches) else None

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
        self._show_completion()  # what was typed stays; tab or right takes the highlight

    def action_complete(self) -> None:
        """The highlighted choice, else the first that matches what was typed."""
        chosen = self._highlighted_choice()
        if chosen is None:
            return
        input_ = self.query_one(Input)
        input_.value = visible(chosen)
        input_.cursor_position = len(input_.value)
        input_.focus()

    def action_complete_or_right(self) -> None:
        input_ = self.query_one(Input)
        if input_.cursor_at_end and self._highlighted_choice() is not None:
            self.action_complete()
        else:
            input_.action_cursor_right()

    def _unchanged(self, value: str) -> str:
        """What was shown, given back as it was read (control characters and all)."""
        for original in (self.value, *self._matches):
            if value == visible(original):
                return original
        return value

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._matches[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self._unchanged(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
