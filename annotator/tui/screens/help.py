"""``?``: every binding with its id and current keys; ``g``: the annotation guidelines."""

from __future__ import annotations

from importlib import resources

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import MarkdownViewer

from annotator.tui.widgets.panels import LinePanel


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close", tooltip="Close this list")]

    def __init__(self, rows: list[tuple[str, str, str]], keymap_path: str | None) -> None:
        super().__init__()
        self.rows = rows
        self.keymap_path = keymap_path

    def compose(self) -> ComposeResult:
        width_keys = max(len(keys) for _, keys, _ in self.rows) + 2
        width_id = max(len(binding_id) for binding_id, _, _ in self.rows) + 1
        # the dialog's inner width: 90% of the screen up to 100, less border, padding, scrollbar
        inner = min(100, int(self.app.size.width * 0.9)) - 6
        longest = max(len(description) for _, _, description in self.rows) + 1
        width_description = max(16, min(longest, inner - width_keys - width_id))
        lines = [Content.styled("Keys (esc closes)", "bold"), Content("")]
        for binding_id, keys, description in self.rows:
            pieces = Content(description).wrap(width_description - 1) or [Content("")]
            lines.append(Content.styled(f"{keys:<{width_keys}}", "bold")
                         + pieces[0].pad_right(width_description - pieces[0].cell_length)
                         + Content.styled(binding_id, "dim"))
            lines.extend(Content(" " * width_keys) + piece for piece in pieces[1:])
        lines.append(Content(""))
        where = self.keymap_path or "~/.config/annotator/keys.toml"
        lines.extend(Content.styled(
            f"Remap any key in {where}: a [keys] table of binding id = \"key1,key2\" "
            "(for example: accept = \"a,enter\"). The ids are in the right column.", "dim").wrap(inner))
        table = LinePanel()  # lines drawn as built: a Static would trim the indents
        table.styles.height = len(lines)
        table.set_lines(lines)
        with VerticalScroll():
            yield table

    def action_close(self) -> None:
        self.dismiss(None)


def guidelines_text() -> str:
    return resources.files("annotator").joinpath("guidelines.md").read_text(encoding="utf-8")


class GuidelinesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    GuidelinesScreen { align: center middle; }
    GuidelinesScreen > MarkdownViewer { width: 95%; height: 95%; border: round $primary; }
    """
    BINDINGS = [Binding("escape,q,g", "close", "Close", id="guidelines.close", tooltip="Close the guidelines")]

    def compose(self) -> ComposeResult:
        yield MarkdownViewer(guidelines_text(), show_table_of_contents=False)

    def action_close(self) -> None:
        self.dismiss(None)
