"""The annotation app: one screen over a headless Session; keys are remappable by id."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from annotator.session import Session
from annotator.tui.keymap import bindings_of, load_keymap
from annotator.tui.screens.annotate import AnnotateScreen


def dialog_bindings() -> list[Binding]:
    """The keys of the dialogs (input, help, guidelines): remappable like the others."""
    from annotator.tui.screens.confirm import ConfirmDialog, UnsavedDialog
    from annotator.tui.screens.dialogs import InputDialog
    from annotator.tui.screens.help import GuidelinesScreen, HelpScreen
    from annotator.tui.screens.messages import MessagesScreen
    from annotator.tui.screens.overview import OverviewScreen

    return [*bindings_of(InputDialog), *bindings_of(HelpScreen), *bindings_of(GuidelinesScreen),
            *bindings_of(ConfirmDialog), *bindings_of(UnsavedDialog), *bindings_of(OverviewScreen),
            *bindings_of(MessagesScreen)]


def binding_ids() -> set[str]:
    """Every remappable id: annotate, the dialogs and the adjudication screen (one
    keys.toml serves both apps)."""
    from annotator.tui.screens.adjudicate import AdjudicateScreen

    bindings = (*bindings_of(AnnotateScreen), *dialog_bindings(), *bindings_of(AdjudicateScreen))
    return {binding.id for binding in bindings if binding.id} | {"app.quit-now"}


class AnnotatorApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "annotator"  # never the article's title: that text is untrusted
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit-now", show=False, priority=True,
                        tooltip="Quit from anywhere")]

    def __init__(self, session: Session, keymap: dict[str, str] | None = None,
                 keymap_path: Path | None = None, theme: str | None = None) -> None:
        super().__init__()
        self.session = session
        self._user_keymap = keymap or {}
        self.keymap_path = keymap_path
        if theme:
            self.theme = theme

    def on_mount(self) -> None:
        # Everything loaded so far (corpus index, journal, Textual itself) lives for the
        # whole session: keep it out of the garbage collector's full scans, which would
        # otherwise stall a keystroke now and then.
        import gc

        gc.collect()
        gc.freeze()
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        self.push_screen(AnnotateScreen(self.session))
        from annotator.store.spool import IDLE_REPLAY_SECONDS, DatabaseLog

        if isinstance(self.session.journal, DatabaseLog):  # a team's database
            self.set_interval(self.spool_replay_seconds or IDLE_REPLAY_SECONDS, self._replay_spool)

    spool_replay_seconds: float | None = None  # tests shorten the idle replay's interval
    _spool_worker = None

    def _replay_spool(self) -> None:
        """NOT SAVED: send the spool when the server is back, even if no key is pressed
        (the logic and its lock are in the store; the connect runs in a thread)."""
        from annotator.store.spool import DatabaseLog

        log = self.session.journal
        assert isinstance(log, DatabaseLog)  # the timer runs only for a database
        if not log.waiting() or (self._spool_worker is not None and not self._spool_worker.is_finished):
            return

        def replay() -> None:
            if log.replay_when_idle():
                self.call_from_thread(self._spool_sent)

        self._spool_worker = self.run_worker(replay, thread=True, group="spool", exit_on_error=False)

    def _spool_sent(self) -> None:
        session = self.session
        if not session.unsaved:  # nothing else waits for a write
            session.write_error = None
            session.message = "saved: the decisions kept offline reached the server"
        if isinstance(self.screen, AnnotateScreen):
            self.screen.redraw(scroll=False)

    def on_unmount(self) -> None:
        # Normally everything is on disk already (written right after each frame).
        self.session.save_position()
        self.session.release_lock()

    def action_quit(self) -> None:  # type: ignore[override]  # textual runs sync actions too
        """ctrl+q from anywhere: quits like q, so a decision that could not be written
        is never dropped without asking."""
        screen = next((s for s in self.screen_stack if isinstance(s, AnnotateScreen)), None)
        if screen is None:
            self.exit()
        else:
            screen.action_quit()

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(id, keys, description) for every binding, after the user's keymap."""
        rows = []
        for binding in (*bindings_of(AnnotateScreen), *bindings_of(self), *dialog_bindings()):
            assert binding.id is not None  # every binding of the app has one
            keys = self._user_keymap.get(binding.id, binding.key)
            shown = ", ".join(self.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))
            description = binding.tooltip or binding.description
            rows.append((binding.id, shown, description))
        return rows

    def show_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.binding_rows(), str(self.keymap_path) if self.keymap_path else None))


def make_app(session: Session, keys_file: Path | None = None, theme: str | None = None) -> AnnotatorApp:
    keymap, path = load_keymap(keys_file, binding_ids())
    return AnnotatorApp(session, keymap, path, theme)
