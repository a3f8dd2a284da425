"""The annotation screen: maps keys to session calls and draws the result."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from annotator.schema import Role, Status
from annotator.session import Session
from annotator.session import state as S
from annotator.session.controller import COMPUTING
from annotator.tui.keymap import bindings_of
from annotator.tui.screens.confirm import ConfirmDialog, UnsavedDialog
from annotator.tui.screens.dialogs import InputDialog
from annotator.tui.widgets.article import ArticleView
from annotator.tui.widgets.panels import AttributionList, DetailPanel, HeaderBar, StatusLine, legend

if TYPE_CHECKING:
    from annotator.tui.app import AnnotatorApp

# Which bindings apply in which mode: the footer shows only these.
NORMAL = {"next", "previous", "next-alt", "previous-alt", "escape", "accept", "reject", "edit", "select", "new", "entity", "type", "note",
          "undo", "redo", "done", "next-document", "previous-document", "search", "help",
          "guidelines", "quit", "cursor-left", "cursor-right", "cursor-up", "cursor-down",
          "word-next", "word-previous", "sentence-next", "sentence-previous", "page-down", "page-up",
          "theme", "search-next", "clause-next", "clause-previous",
          "source-at-cursor", "cue-at-cursor", "content-at-cursor",
          "focus-source", "focus-cue", "focus-content"}
EDIT = {"start-left", "start-right", "end-left", "end-right", "end-left-alt", "end-right-alt",
        "focus-source", "focus-cue", "focus-content", "escape", "undo", "redo", "next", "previous",
        "entity", "type", "note", "help", "quit", "edit", "next-alt", "previous-alt",
        "start-sentence", "end-sentence", "remove-span", "accept", "reject", "select",
        "cursor-up", "cursor-down", "page-down", "page-up", "theme"}
# Keys that work in a mode but are left out of its footer, which must fit 80 columns.
UNLISTED = {"normal": {"focus-source", "focus-cue", "focus-content"},
            "edit": {"next", "reject", "select"}}
SELECT = {"cursor-left", "cursor-right", "cursor-up", "cursor-down", "word-next", "word-previous",
          "clause-next", "clause-previous",
          "sentence-next", "sentence-previous", "assign-source", "assign-cue", "assign-content",
          "new", "add-to-content", "escape", "select", "help", "quit", "page-down", "page-up", "theme", "undo", "redo"}

# Cheap corrections (issue 11): r/R, S and K cycle next-best boundaries, o the other side of
# the cue, C a new attribution from its cue, ; , to a likely cue, ctrl+e the entity
# everywhere; [ ] { } < > also work from normal mode (entering edit mode on the content).
CORRECTIONS = {"next-best", "previous-best", "next-best-source", "next-best-cue", "other-side", "entity-everywhere"}
NORMAL = NORMAL | CORRECTIONS | {"new-from-cue", "next-likely-cue", "previous-likely-cue",
                                 "start-left", "start-right", "end-left", "end-right",
                                 "start-phrase-left", "start-phrase-right"}
EDIT = EDIT | CORRECTIONS | {"start-phrase-left", "start-phrase-right", "end-phrase-left", "end-phrase-right"}
SELECT = SELECT | {"new-from-cue"}
UNLISTED["normal"] = UNLISTED["normal"] | {"start-left", "start-right", "end-left", "end-right"}


# Keys added for the document overview, skipping and the message log: in every mode
# where they make sense (kept apart so the lists above read as they were).
NORMAL.update({"skip-document", "overview", "messages"})
EDIT.add("messages")
SELECT.add("messages")

START = Binding.Group("start")
END = Binding.Group("end")
ROLE = Binding.Group("span")
MOVE = Binding.Group("next/prev", compact=True)


class AnnotateScreen(Screen):
    DEFAULT_CSS = """
    AnnotateScreen #body { height: 1fr; }
    AnnotateScreen ArticleView { width: 1fr; }
    AnnotateScreen #side { width: 38%; min-width: 30; max-width: 70; border-left: solid $primary 40%; }
    """

    BINDINGS = [
        Binding("j", "next", "Next", id="next", tooltip="Next attribution"),
        Binding("tab", "next", "Next", id="next-alt", show=False, tooltip="Next attribution"),
        Binding("k", "previous", "Prev", id="previous", tooltip="Previous attribution", show=False),
        Binding("shift+tab", "previous", "Prev", id="previous-alt", show=False, tooltip="Previous attribution"),
        Binding("a", "accept", "Accept", id="accept", tooltip="Accept, go to the next undecided"),
        Binding("x", "reject", "Reject", id="reject", tooltip="Reject (delete if manual), go on"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Edit boundaries (again: stop)"),
        Binding("left_square_bracket", "boundary('start', -1)", "Start◂", id="start-left", group=START,
                tooltip="Move the start one token left"),
        Binding("right_square_bracket", "boundary('start', 1)", "Start▸", id="start-right", group=START,
                tooltip="Move the start one token right"),
        Binding("left_curly_bracket", "boundary('end', -1)", "End◂", id="end-left", group=END,
                tooltip="Move the end one token left"),
        Binding("right_curly_bracket", "boundary('end', 1)", "End▸", id="end-right", group=END,
                tooltip="Move the end one token right"),
        Binding("left_parenthesis", "boundary('start', -1, 'sentence')", "Start to sentence", id="start-sentence",
                show=False, tooltip="Start to the sentence's start (edit)"),
        Binding("right_parenthesis", "boundary('end', 1, 'sentence')", "End to sentence", id="end-sentence",
                show=False, tooltip="End to the sentence's end (edit)"),
        Binding("backspace", "clear_span", "Remove span", id="remove-span", show=False,
                tooltip="Remove the focused source or cue (edit)"),
        Binding("shift+left", "boundary('end', -1)", "End◂", id="end-left-alt", show=False, tooltip="Move the end one token left"),
        Binding("shift+right", "boundary('end', 1)", "End▸", id="end-right-alt", show=False, tooltip="Move the end one token right"),
        Binding("s", "role('source')", "Source", id="focus-source", group=ROLE, tooltip="Edit the source span"),
        Binding("c", "role('cue')", "Cue", id="focus-cue", group=ROLE, tooltip="Edit the cue span"),
        Binding("t", "role('content')", "Content", id="focus-content", group=ROLE, tooltip="Edit the content span"),
        Binding("v", "select", "Select", id="select", tooltip="Select the token or quotation at the cursor"),
        Binding("left", "cursor('char', -1)", "Left", id="cursor-left", show=False, tooltip="Cursor left (extends a selection)"),
        Binding("right", "cursor('char', 1)", "Right", id="cursor-right", show=False, tooltip="Cursor right (extends a selection)"),
        Binding("up", "vertical(-1)", "Up", id="cursor-up", show=False, tooltip="Cursor up a line"),
        Binding("down", "vertical(1)", "Down", id="cursor-down", show=False, tooltip="Cursor down a line"),
        Binding("pagedown", "vertical(0, 1)", "Page down", id="page-down", show=False),
        Binding("pageup", "vertical(0, -1)", "Page up", id="page-up", show=False),
        Binding("w", "cursor('token', 1)", "Word▸", id="word-next", show=False, tooltip="Next token (extends a selection)"),
        Binding("b", "cursor('token', -1)", "◂Word", id="word-previous", show=False, tooltip="Previous token"),
        Binding("right_parenthesis", "cursor('sentence', 1)", "Sentence▸", id="sentence-next", show=False, tooltip="Next sentence (selection: to its end)"),
        Binding("left_parenthesis", "cursor('sentence', -1)", "◂Sentence", id="sentence-previous", show=False, tooltip="Previous sentence"),
        Binding("f", "cursor('clause', 1)", "To punctuation▸", id="clause-next", show=False,
                tooltip="To just before the next punctuation"),
        Binding("F", "cursor('clause', -1)", "◂From punctuation", id="clause-previous", show=False,
                tooltip="To the start of the clause"),
        Binding("1", "assign('source')", "Source", id="assign-source", tooltip="Selection becomes the SOURCE"),
        Binding("2", "assign('cue')", "Cue", id="assign-cue", tooltip="Selection becomes the CUE"),
        Binding("3", "assign('content')", "Content", id="assign-content", tooltip="Selection becomes the CONTENT"),
        Binding("1", "assign_at_cursor('source')", "Source", id="source-at-cursor", show=False,
                tooltip="The token at the cursor becomes the SOURCE"),
        Binding("2", "assign_at_cursor('cue')", "Cue", id="cue-at-cursor", show=False,
                tooltip="The token at the cursor becomes the CUE"),
        Binding("3", "assign_at_cursor('content')", "Content", id="content-at-cursor", show=False,
                tooltip="The token at the cursor becomes the CONTENT"),
        Binding("N", "new", "New", id="new", tooltip="New attribution (selection = its content)"),
        Binding("C", "new_from_cue", "From cue", id="new-from-cue", show=False,
                tooltip="New attribution: the token at the cursor (or the selection) is its CUE; content and source proposed"),
        Binding("r", "next_best", "Next-best", id="next-best", show=False,
                tooltip="The span's next-best boundaries (cycles; ends with the span as it was)"),
        Binding("R", "next_best(-1)", "Prev-best", id="previous-best", show=False,
                tooltip="The span's previous alternative boundaries"),
        Binding("S", "next_best_source", "Next-best source", id="next-best-source", show=False,
                tooltip="The source's next-best boundaries, from any mode (coordinated names, apposition, a source used before)"),
        Binding("K", "next_best_cue", "Next-best cue", id="next-best-cue", show=False,
                tooltip="The cue's next-best boundaries, from any mode (\"has said\", \"called on\")"),
        Binding("semicolon", "cue_jump(1)", "Next cue?", id="next-likely-cue", show=False,
                tooltip="Cursor to the next word that may be a cue and is not one yet (then C)"),
        Binding("comma", "cue_jump(-1)", "Prev cue?", id="previous-likely-cue", show=False,
                tooltip="Cursor to the previous word that may be a cue and is not one yet"),
        Binding("o", "other_side", "Other side", id="other-side", show=False,
                tooltip="Move the content to the other side of its cue"),
        Binding("less_than_sign", "boundary('start', -1, 'phrase')", "Start◂phrase", id="start-phrase-left",
                show=False, tooltip="Move the start to the previous phrase or clause boundary (edit)"),
        Binding("greater_than_sign", "boundary('start', 1, 'phrase')", "Start▸phrase", id="start-phrase-right",
                show=False, tooltip="Move the start to the next phrase or clause boundary (edit)"),
        Binding("F", "boundary('end', -1, 'phrase')", "End◂phrase", id="end-phrase-left",
                show=False, tooltip="Move the end back to the previous phrase or clause boundary (edit)"),
        Binding("f", "boundary('end', 1, 'phrase')", "End▸phrase", id="end-phrase-right",
                show=False, tooltip="Move the end on to the next phrase or clause boundary (edit)"),
        Binding("plus", "add_piece", "+Content", id="add-to-content",
                tooltip="Selection: another piece of the content"),
        Binding("E", "entity", "Entity", id="entity", show=False, tooltip="Set the source entity (autocomplete)"),
        Binding("ctrl+e", "entity_everywhere", "Entity everywhere", id="entity-everywhere", show=False,
                tooltip="This entity for every mention of the source (same name, acronym, pronouns)"),
        Binding("T", "type", "Type", id="type", show=False, tooltip="Cycle the attribution type"),
        Binding("m", "note", "Note", id="note", show=False, tooltip="Add or edit a note"),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo (journalled, survives reopening)"),
        Binding("ctrl+r", "redo", "Redo", id="redo", show=False, tooltip="Redo"),
        Binding("d", "done", "Done", id="done", tooltip="Mark done, go to the next undone document"),
        Binding("n", "document(1)", "Next doc", id="next-document", show=False, tooltip="Next document"),
        Binding("p", "document(-1)", "Prev doc", id="previous-document", show=False, tooltip="Previous document"),
        Binding("slash", "search", "Search", id="search", show=False, tooltip="Search the text"),
        Binding("ctrl+n", "search_next", "Next match", id="search-next", show=False, tooltip="Next search match"),
        Binding("escape", "escape", "Back", id="escape", tooltip="Leave edit/select mode; drop a draft"),
        Binding("question_mark", "help", "Help", id="help", tooltip="This list of keys"),
        Binding("g", "guidelines", "Guide", id="guidelines", show=False, tooltip="Annotation guidelines"),
        Binding("ctrl+t", "theme", "Theme", id="theme", show=False, tooltip="Dark/light theme"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit (everything is already saved)"),
        Binding("D", "skip", "Skip doc", id="skip-document", show=False,
                tooltip="Skip this document (status skipped), go to the next undone"),
        Binding("O", "overview", "Documents", id="overview", show=False,
                tooltip="Document overview: status, counts, time; search, jump"),
        Binding("L", "messages", "Messages", id="messages", show=False, tooltip="The last messages, in full"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._query = ""
        self._matches: list[tuple[int, int]] = []
        self._footer_mode: tuple[str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            yield ArticleView(id="article")
            with Vertical(id="side"):
                yield AttributionList(id="list")
                yield DetailPanel(id="detail")
        yield StatusLine(id="status")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def article(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        self.session.defer_sync = True
        assert self.session.document is not None  # the screen always shows an open document
        self.article.set_text(self.session.document.text)
        self.article.focus()
        self.redraw(scroll=True)
        self.call_after_refresh(self.redraw, True)
        self.call_after_refresh(self._scroll_list_to_selected)
        # after the first frame: importing spaCy in a thread would hold the GIL meanwhile
        self.call_after_refresh(lambda: self.set_timer(0.05, self._suggest_if_needed))
        self.call_after_refresh(lambda: self.set_timer(0.2, self._check_duplicate_ids))
        problems = self.session.problems
        if problems:
            self.query_one(StatusLine).say(problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))

    def _scroll_list_to_selected(self) -> None:
        """On reopening, the list shows the resumed attribution (before the first layout
        the list had no height to scroll in)."""
        assert self.session.state is not None  # the screen always shows an open document
        index = self.session.state.index_of(self.session.state.selected)
        if index is not None:
            self.query_one(AttributionList).scroll_to_row(index)

    def on_resize(self) -> None:
        # a tall terminal gives the selected attribution's fields more lines
        self.query_one(DetailPanel).styles.height = 11 if self.size.height < 40 else 17
        # the text is wrapped anew: bring the cursor back into view if it left it
        self.call_after_refresh(self.redraw, True)

    # ---- drawing -------------------------------------------------------------------
    @property
    def dark(self) -> bool:
        return self.app.current_theme.dark

    def redraw(self, scroll: bool = True) -> None:
        session = self.session
        state = session.state
        assert state is not None  # the screen always shows an open document
        article = self.article
        palette_dark = self.dark
        article.show_state(state, scroll=scroll, dark=palette_dark)
        palette = article.palette
        side = self.query_one("#side")
        width = max(20, side.size.width - 4)
        self.query_one(AttributionList).show_state(state, palette)
        self.query_one(DetailPanel).show_state(state, palette, width)
        document = session.document
        assert document is not None
        status = "READ-ONLY" if session.read_only else state.status.value.replace("_", " ")
        self.query_one(HeaderBar).show(
            document.meta.title or f"{document.id} (no headline)",  # the id tells the documents apart
            document.meta.date.isoformat() if document.meta.date else None,
            session.position + 1, len(session.corpus), session.annotator, status,
            0 if session.read_only else state.pending_count, self.size.width, session.done_count,
        )
        self.query_one(StatusLine).say(session.message, legend(palette))
        footer_mode = (state.mode, state.draft is not None)
        if footer_mode != self._footer_mode:  # the footer shows the keys of the mode
            self._footer_mode = footer_mode
            self.refresh_bindings()

    def _after(self, scroll: bool = True) -> None:
        self.redraw(scroll)
        if self.session._unwritten or self.session._unsynced:
            self.call_after_refresh(self._flush)

    def _flush(self) -> None:
        try:
            self.session.flush()
        except OSError as error:
            self.session.message = f"could not save to {self.session.journal.path}: {error.strerror or error}; retrying at the next key"
            self.query_one(StatusLine).say(self.session.message)

    @property
    def active_bindings(self):
        """The screen's bindings in the order of BINDINGS (a remapped key would otherwise
        move to the end of the footer); some are kept out of the footer of a mode (they
        still work)."""
        bindings = super().active_bindings
        order = _binding_order()
        bindings = dict(sorted(bindings.items(), key=lambda item: order.get(item[1].binding.id, len(order))))
        unlisted = UNLISTED.get(self.session.state.mode if self.session.state else "", ())
        if not unlisted:
            return bindings
        from dataclasses import replace

        for key, active in list(bindings.items()):
            if active.binding.id in unlisted and active.binding.show:
                bindings[key] = active._replace(binding=replace(active.binding, show=False))
        return bindings

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        binding_id = _binding_id(action, parameters)
        if binding_id is None:
            return True
        state = self.session.state
        assert state is not None  # the screen always shows an open document
        if binding_id == "escape" and state.mode == "normal":
            return state.draft is not None
        if state.draft is not None and binding_id in ("accept", "reject", "edit", "entity", "type", "note",
                                                     *CORRECTIONS,
                                                     "focus-source", "focus-cue", "focus-content"):
            return False  # a draft has nothing to accept or edit yet
        allowed = {"normal": NORMAL, "edit": EDIT, "select": SELECT}[state.mode]
        return binding_id in allowed

    # ---- actions: each one call into the session ----------------------------------
    def action_next(self) -> None:
        self.session.do(S.select_relative, 1)
        self._after()

    def action_previous(self) -> None:
        self.session.do(S.select_relative, -1)
        self._after()

    def action_accept(self) -> None:
        self.session.do(S.accept)
        self._after()

    def action_reject(self) -> None:
        self.session.do(S.reject)
        self._after()

    def action_edit(self) -> None:
        self.session.do(S.toggle_edit)
        self._after()

    def action_boundary(self, which: str, direction: int, unit: str = "token") -> None:
        self.session.do(S.adjust_boundary, which, direction, unit)
        self._after()

    def action_clear_span(self) -> None:
        self.session.do(S.clear_span)
        self._after()

    def action_role(self, role: str) -> None:
        self.session.do(S.edit_role, Role(role))
        self._after()

    def action_select(self) -> None:
        self.session.do(S.start_selection)
        self._after()

    def action_cursor(self, unit: str, direction: int) -> None:
        self.session.do(S.move_cursor, unit, direction)
        self._after()

    def action_vertical(self, lines: int, pages: int = 0) -> None:
        article = self.article
        if pages:
            lines = pages * max(1, article.scrollable_content_region.height - 2)
        assert self.session.state is not None  # the screen always shows an open document
        offset = article.offset_vertical(self.session.state.cursor, lines)
        self.session.do(S.set_cursor, offset)
        if pages:
            article.scroll_relative(y=lines, animate=False, immediate=True)
        self._after()

    def action_assign(self, role: str) -> None:
        self.session.do(S.assign, Role(role))
        self._after()

    def action_add_piece(self) -> None:
        self.session.do(S.add_piece)
        self._after()

    def action_assign_at_cursor(self, role: str) -> None:
        """1/2/3 with no selection: the token under the cursor (saves the v)."""
        self.action_assign(role)

    def action_new_from_cue(self) -> None:
        self.session.do(S.new_from_cue)
        self._after()

    def action_next_best(self, direction: int = 1) -> None:
        self.session.do(S.cycle_alternative, direction)
        self._after()

    def action_next_best_source(self) -> None:
        self.session.do(S.cycle_source)
        self._after()

    def action_entity_everywhere(self) -> None:
        self.session.do(S.entity_everywhere)
        self._after()

    def action_next_best_cue(self) -> None:
        self.session.do(S.cycle_cue)
        self._after()

    def action_cue_jump(self, direction: int) -> None:
        self.session.do(S.jump_to_cue, direction)
        self._after()

    def action_other_side(self) -> None:
        self.session.do(S.content_other_side)
        self._after()

    def action_new(self) -> None:
        self.session.do(S.new_attribution)
        self._after()

    def action_escape(self) -> None:
        state = self.session.state
        assert state is not None  # the screen always shows an open document
        if state.mode == "edit":
            self.session.do(S.toggle_edit)
        elif state.anchor is not None:
            self.session.do(S.clear_selection)
        else:
            self.session.do(S.cancel_draft)
        self._after()

    def action_type(self) -> None:
        self.session.do(S.cycle_type)
        self._after()

    def action_entity(self) -> None:
        assert self.session.state is not None  # the screen always shows an open document
        item = self.session.state.current
        if item is None or item.status == "rejected":
            self.session.do(S.set_entity, None)  # says why nothing happens
            self._after()
            return
        current = item.attribution.source_entity or ""
        choices = self.session.known_entities()

        def done(value: str | None) -> None:
            if value is not None:
                self.session.do(S.set_entity, value)
            self._after()

        self.app.push_screen(InputDialog("Source entity (who claims it)", current, choices,
                                         hint="type to filter · ↑↓ pick · tab or → completes · enter saves · esc cancels"), done)

    def action_note(self) -> None:
        assert self.session.state is not None  # the screen always shows an open document
        item = self.session.state.current
        if item is None or item.status == "rejected":
            self.session.do(S.set_note, None)
            self._after()
            return

        def done(value: str | None) -> None:
            if value is not None:
                self.session.do(S.set_note, value)
            self._after()

        self.app.push_screen(InputDialog("Note on this attribution", item.attribution.note or ""), done)

    def action_undo(self) -> None:
        self.session.undo()
        self._after()

    def action_redo(self) -> None:
        self.session.redo()
        self._after()

    def _suggest_if_needed(self) -> None:
        session = self.session
        if not session.awaiting_suggestions:
            return
        document = session.document
        session.message = f"{session.message} · {COMPUTING}" if session.message else COMPUTING
        self.query_one(StatusLine).say(session.message)
        self._suggest(document)

    @work(thread=True, exclusive=True, group="suggest")
    def _suggest(self, document) -> None:
        suggestions = self.session.compute_suggestions(document)
        self.app.call_from_thread(self._suggestions_ready, document.id, suggestions)

    def _suggestions_ready(self, doc_id: str, suggestions) -> None:
        if self.session.add_suggestions(doc_id, suggestions):
            self.redraw(scroll=True)

    def _document_changed(self) -> None:
        self._suggest_if_needed()
        assert self.session.document is not None  # the screen always shows an open document
        assert self.session.state is not None  # the screen always shows an open document
        self.article.set_text(self.session.document.text)
        self._matches = []
        self.article.set_matches([])
        self.query_one(AttributionList).repaint(self.session.state, self.article.palette)
        self._after()

    def action_done(self) -> None:
        state = self.session.state
        assert state is not None  # the screen always shows an open document
        undecided = state.pending_count if state.status != Status.done else 0
        if undecided and not self.session.read_only:
            def answered(answer: str | None) -> None:
                if answer == "yes":
                    self._mark_done()
                else:
                    self.session.message = f"not marked done: {undecided} suggestion(s) still to decide"
                    self._after()

            self.app.push_screen(ConfirmDialog(
                "Mark done?", f"{undecided} suggestion(s) in this document are undecided "
                "(neither accepted nor rejected). Mark it done anyway?"), answered)
            return
        self._mark_done()

    def _mark_done(self) -> None:
        before = self.session.position
        self.session.mark_done()
        if self.session.position != before:
            self._document_changed()
        elif self.session.unsaved:  # the decision is kept; leaving waits for it
            self._leave("leave the document", self._open_next_undone)
        else:
            self._after()

    def _open_next_undone(self) -> None:
        following = self.session.next_undone()
        if following is not None and self.session._open_or_say(following):
            self._document_changed()
        else:
            self._after()

    def action_skip(self) -> None:
        before = self.session.position
        self.session.skip()
        if self.session.position != before:
            self._document_changed()
        elif self.session.unsaved:
            self._leave("leave the document", self._open_next_undone)
        else:
            self._after()

    def action_document(self, step: int) -> None:
        if self.session.unsaved:
            self._leave("leave the document", lambda: self.action_document(step))
            return
        if self.session.go(step):
            self._document_changed()
        else:
            self._after()

    def open_position(self, position: int) -> None:
        """Open the document at ``position`` (the overview's jump), guarded like ``n``."""
        if self.session.unsaved:
            self._leave("leave the document", lambda: self.open_position(position))
            return
        if position != self.session.position and self.session._open_or_say(position):
            self._document_changed()
        else:
            self._after()

    def _leave(self, leaving: str, then) -> None:
        """Run ``then`` (leaving the document, or quitting) once every decision is written;
        while one is not, ask: retry, discard it (saying what is lost) or stay."""
        session = self.session
        if not session.unsaved or session.try_flush():
            then()
            return

        def answered(answer: str | None) -> None:
            if answer == "retry":
                self._leave(leaving, then)
            elif answer == "discard":
                lost = session.discard_unsaved()
                self._document_changed()
                then()
                session.message = f"discarded {lost}" + (f" · {session.message}" if session.message else "")
                self.redraw(scroll=False)
            else:
                session.message = f"{session.unsaved_summary()} not saved yet: {session.write_error}"
                self._after()

        self.app.push_screen(UnsavedDialog(session.unsaved_summary(), session.write_error or "", leaving), answered)

    @work(thread=True, exclusive=True, group="duplicates")
    def _check_duplicate_ids(self) -> None:
        """Two corpus lines with one id share one journal entry: say so (read in a thread:
        every id of a large corpus is read once)."""
        from annotator.session.overview import duplicate_ids

        count, examples = duplicate_ids(self.session.corpus)
        if count:
            first, numbers = examples[0]
            where = ", ".join(str(n) for n in numbers[:4])
            warning = (f"warning: {count} document id(s) appear more than once in {self.session.corpus.path} "
                       f"(first: {first!r} at documents {where}); their decisions share one journal entry")
            self.app.call_from_thread(self._warn, warning)

    def _warn(self, warning: str) -> None:
        self.session.problems.append(warning)
        self.session.message = warning
        self.query_one(StatusLine).say(warning)

    def action_overview(self) -> None:
        from annotator.tui.screens.overview import OverviewScreen

        def chosen(position: int | None) -> None:
            if position is not None:
                self.open_position(position)

        self.app.push_screen(OverviewScreen(self.session), chosen)

    def action_messages(self) -> None:
        from annotator.tui.screens.messages import MessagesScreen

        self.app.push_screen(MessagesScreen(self.query_one(StatusLine).history))

    def action_search(self) -> None:
        def done(value: str | None) -> None:
            if value:
                self._query = value
                self._find_matches()
                self.action_search_next()
            else:
                self._after()

        self.app.push_screen(InputDialog("Search the text", self._query,
                                         hint="enter finds the next match · ctrl+n the one after · esc cancels"), done)

    def _find_matches(self) -> None:
        assert self.session.document is not None  # the screen always shows an open document
        text = self.session.document.text
        needle = self._query.casefold()
        haystack = text.casefold() if len(text.casefold()) == len(text) else text
        matches, start = [], 0
        while needle:
            index = haystack.find(needle, start)
            if index == -1:
                break
            matches.append((index, index + len(needle)))
            start = index + 1
        self._matches = matches
        self.article.set_matches(matches)

    def action_search_next(self) -> None:
        if not self._matches:
            self.session.message = f"not found: {self._query}" if self._query else "/ searches the text"
            self._after()
            return
        assert self.session.state is not None  # the screen always shows an open document
        cursor = self.session.state.cursor
        following = [m for m in self._matches if m[0] > cursor] or self._matches
        target = following[0]
        self.session.do(S.set_cursor, target[0])
        number = self._matches.index(target) + 1
        self.session.message = f"match {number} of {len(self._matches)} for {self._query}"
        self._after()

    def action_help(self) -> None:
        cast("AnnotatorApp", self.app).show_help()

    def action_guidelines(self) -> None:
        from annotator.tui.screens.help import GuidelinesScreen

        self.app.push_screen(GuidelinesScreen())

    def action_theme(self) -> None:
        self.app.theme = "textual-light" if self.dark else "textual-dark"
        self.redraw(scroll=False)

    def action_quit(self) -> None:
        def leave() -> None:
            self.session.save_position()
            self.app.exit()

        self._leave("quit", leave)

    # ---- mouse ---------------------------------------------------------------------
    @on(ArticleView.Clicked)
    def clicked(self, event: ArticleView.Clicked) -> None:
        assert self.session.state is not None  # the screen always shows an open document
        target = S.attribution_at(self.session.state, event.offset)
        self.session.do(S.clear_selection)
        if target is not None:
            self.session.do(S.select, target)
        self.session.do(S.set_cursor, event.offset)
        self._after(scroll=False)

    @on(ArticleView.Dragged)
    def dragged(self, event: ArticleView.Dragged) -> None:
        self.session.do(S.select_range, event.anchor, event.offset)
        self._after(scroll=False)

    @on(AttributionList.Picked)
    def picked(self, event: AttributionList.Picked) -> None:
        self.session.do(S.clear_selection)
        self.session.do(S.select, event.attribution_id)
        self._after()


_ACTION_TO_ID: dict[tuple[str, tuple], str | None] = {}
_ORDER: dict[str | None, int] = {}


def _binding_order() -> dict[str | None, int]:
    if not _ORDER:
        _ORDER.update({binding.id: index for index, binding in enumerate(bindings_of(AnnotateScreen))})
    return _ORDER


def _binding_id(action: str, parameters: tuple) -> str | None:
    if not _ACTION_TO_ID:
        from textual.actions import parse

        for binding in bindings_of(AnnotateScreen):
            _namespace, name, params = parse(binding.action)
            _ACTION_TO_ID[(name, tuple(params))] = binding.id
    return _ACTION_TO_ID.get((action, tuple(parameters)))
