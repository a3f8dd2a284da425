"""The adjudication screen: settle annotators' disagreements cluster by cluster.

Every key is one call into ``annotator.adjudicate.AdjudicationSession`` (headless), which
saves the gold file after each decision. The article shows the cluster's versions (the
focused one in the selected colours) with the characters they disagree on marked; the
side panel lists the versions with who chose each, and who left the claim out.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer

from annotator.adjudicate import (
    AdjudicationSession,
    Cluster,
    DocumentAdjudication,
    cluster_differences,
)
from annotator.schema import Attribution, Origin, Role
from annotator.session import state as S
from annotator.session.state import DocState
from annotator.session.tokens import Tokens
from annotator.tui.display import one_line
from annotator.tui.palette import Palette
from annotator.tui.widgets.article import ArticleView
from annotator.tui.widgets.panels import Panel, StatusLine

PICK = Binding.Group("pick")
MOVE = Binding.Group("cluster", compact=True)
START = Binding.Group("start")
END = Binding.Group("end")
ROLE = Binding.Group("span")

# Keys that work while a version is being edited (the boundary keys of annotate).
EDIT_IDS = {
    "adjudicate.start-left", "adjudicate.start-right", "adjudicate.end-left", "adjudicate.end-right",
    "adjudicate.end-left-alt", "adjudicate.end-right-alt", "adjudicate.focus-source",
    "adjudicate.focus-cue", "adjudicate.focus-content", "adjudicate.save-edit",
    "adjudicate.cancel-edit", "adjudicate.help", "adjudicate.quit",
}


DIFFERENCE_STYLE = "bold underline #ff6e6e"
INDENT = "  ┊ "  # visible: leading whitespace is trimmed when a panel wraps its lines


class DiffArticleView(ArticleView):
    """The article, with the characters the versions disagree on drawn over the spans.

    The annotate view draws search matches under the spans; here the marks must show on
    top of the highlights, so they are added last and only add underline and colour.
    """

    def _build(self, start, end, spans, overlays, width, base):
        differences = [(lo, hi) for kind, lo, hi in overlays if kind == "match"]
        others = [overlay for overlay in overlays if overlay[0] != "match"]
        spans = tuple(spans) + tuple((lo, hi, DIFFERENCE_STYLE) for lo, hi in differences)
        return super()._build(start, end, spans, others, width, base)


class VersionsPanel(Panel):
    """The cluster's versions, who chose each, and who left the claim out."""

    DEFAULT_CSS = """
    VersionsPanel { height: auto; padding: 0 1; }
    """

    def show_cluster(self, session: AdjudicationSession, palette: Palette, width: int) -> None:
        cluster = session.cluster
        item = session.item
        if cluster is None or item is None:
            if session.view == "merged":
                text = "No automatic merges in this document.\nm goes back to the open clusters."
            elif session.left == 0:
                text = "Every cluster is settled; the gold file is saved.\nm reviews the automatic merges, q quits."
            else:
                text = "Nothing to settle in this document.\nj goes to the next open cluster."
            self.show_content(Content(text))
            return
        voters = len(item.annotators)
        excerpt = max(20, width * 4)
        lines: list[Content] = []
        decision = session.decision()
        if session.view == "merged" and decision is not None:
            if decision.kind == "unanimous":
                heading = f"Merged automatically: all {voters} annotators agree (o reopens)"
            elif decision.attribution is None:
                heading = f"Rejected by majority: {len(cluster.missing)} of {voters} left it out (o reopens)"
            else:
                heading = f"Settled by majority: {len(decision.attribution.agreed_by or [])} of {voters} (o reopens)"
            lines.append(Content.styled(heading, "bold"))
        for index, version in enumerate(cluster.versions):
            focused = index == session.focus
            marker = "▸" if focused else " "
            head = f"{marker}{index + 1}  {', '.join(version.annotators)}  ({len(version.annotators)} of {voters})"
            lines.append(Content.styled(head, "bold" if focused else ""))
            a = version.attribution
            for role, style in (("source", palette.source), ("cue", palette.cue), ("content", palette.content)):
                span = getattr(a, role)
                value = Content.styled(one_line(span.text, excerpt), style) if span else Content.styled("—", "dim")
                lines.extend(_indented(Content.styled(f"{INDENT}{role:<8} ", "dim"), value, width))
        if cluster.missing:
            lines.append(
                Content.styled(f"∅ no attribution: {', '.join(cluster.missing)}  ({len(cluster.missing)} of {voters})", "italic")
            )
        if session.view == "open":
            lines.append(Content.styled(f"· {majority_hint(item, cluster)}", "dim"))
        lines.append(Content.styled("· marked in the text: where the versions differ", "dim"))
        if session.edit_state is not None:
            lines.append(Content.styled("Editing: [ ] start, { } end, s c t span, enter saves, esc abandons", "bold"))
        self.show_content(Content("\n").join(lines))


def majority_hint(item: DocumentAdjudication, cluster: Cluster) -> str:
    """What ``--auto majority`` would do here: exists or not first, then where."""
    from annotator.adjudicate_majority import NO_ATTRIBUTION, majority_outcome

    marked, unmarked = len(cluster.members), len(cluster.missing)
    outcome = majority_outcome(cluster, item.document.text)
    if outcome is None:
        if marked == unmarked:
            return f"tie: {marked} marked it, {unmarked} left it out: your call"
        return f"{marked} of {marked + unmarked} marked it, but no majority on where: your call"
    if outcome == NO_ATTRIBUTION:
        return f"majority: no attribution ({unmarked} of {marked + unmarked} left it out)"
    version = item._version_of(cluster, outcome)  # type: ignore[arg-type]
    if version is None:
        return "majority: it exists; the words most of them marked match no single version"
    return f"majority: version {version + 1} (it exists: {marked} of {marked + unmarked})"


def _indented(label: Content, value: Content, width: int) -> list[Content]:
    """A version's field wrapped under its value, never back at the panel's left edge
    (the panel would otherwise wrap the long content flush left)."""
    room = max(10, width - label.cell_length)
    if value.cell_length <= room:
        return [label + value]
    wrapped = [line.rstrip() for line in value.wrap(room)] or [Content("")]
    hanging = Content.styled(INDENT + " " * (label.cell_length - len(INDENT)), "dim")
    return [label + wrapped[0]] + [hanging + line for line in wrapped[1:]]


class HeaderLine(Panel):
    DEFAULT_CSS = """
    HeaderLine { height: 1; padding: 0 1; background: $panel; }
    """

    def show_session(self, session: AdjudicationSession, width: int) -> None:
        item = session.item
        if item is None:
            self.show_content(Content("Adjudication: no documents"))
            return
        clusters = session.clusters_in_view()
        ids = [c.id for c in clusters]
        where = f"cluster {ids.index(session.cluster_id) + 1}/{len(ids)}" if session.cluster_id in ids else "no cluster"
        view = "open" if session.view == "open" else "automatic merges"
        title = item.document.meta.title or item.document.id
        head = (f"Adjudicate ({view}) · doc {session.position + 1}/{len(session.items)} · {where} · "
                f"{session.left} of {session.total} left · {session.adjudicator} · ")
        room = max(10, width - len(head) - 2)
        self.show_content(Content(head) + Content.styled(one_line(title, room), "bold"))


class AdjudicateScreen(Screen):
    DEFAULT_CSS = """
    AdjudicateScreen #body { height: 1fr; }
    AdjudicateScreen ArticleView { width: 1fr; }
    AdjudicateScreen #side { width: 42%; min-width: 30; max-width: 80; border-left: solid $primary 40%; }
    """

    BINDINGS = [
        *(Binding(str(n), f"pick({n})", f"v{n}", id=f"adjudicate.pick-{n}", group=PICK,
                  show=n <= 3, tooltip=f"Take version {n}") for n in range(1, 10)),
        Binding("x", "reject", "Reject all", id="adjudicate.reject", tooltip="No attribution here"),
        Binding("space,d", "defer", "Defer", id="adjudicate.defer", tooltip="Leave this cluster for later"),
        Binding("e", "edit", "Edit", id="adjudicate.edit", tooltip="Edit the focused version, then take it"),
        Binding("tab", "focus_version", "Focus", id="adjudicate.focus-next", show=False,
                tooltip="Focus the next version (the one e edits)"),
        Binding("j", "cluster(1)", "Next", id="adjudicate.next", group=MOVE, tooltip="Next cluster"),
        Binding("k", "cluster(-1)", "Prev", id="adjudicate.previous", group=MOVE, tooltip="Previous cluster"),
        Binding("n", "document(1)", "Next doc", id="adjudicate.next-document", show=False),
        Binding("p", "document(-1)", "Prev doc", id="adjudicate.previous-document", show=False),
        Binding("u", "undo", "Undo", id="adjudicate.undo", tooltip="Reopen the last decision"),
        Binding("o", "reopen", "Reopen", id="adjudicate.reopen", show=False,
                tooltip="Reopen the cluster in view (an automatic merge too)"),
        Binding("m", "merged", "Merges", id="adjudicate.merged", tooltip="Review the automatic merges"),
        Binding("left_square_bracket", "boundary('start', -1)", "Start◂", id="adjudicate.start-left", group=START),
        Binding("right_square_bracket", "boundary('start', 1)", "Start▸", id="adjudicate.start-right", group=START),
        Binding("left_curly_bracket", "boundary('end', -1)", "End◂", id="adjudicate.end-left", group=END),
        Binding("right_curly_bracket", "boundary('end', 1)", "End▸", id="adjudicate.end-right", group=END),
        Binding("shift+left", "boundary('end', -1)", "End◂", id="adjudicate.end-left-alt", show=False),
        Binding("shift+right", "boundary('end', 1)", "End▸", id="adjudicate.end-right-alt", show=False),
        Binding("s", "role('source')", "Source", id="adjudicate.focus-source", group=ROLE),
        Binding("c", "role('cue')", "Cue", id="adjudicate.focus-cue", group=ROLE),
        Binding("t", "role('content')", "Content", id="adjudicate.focus-content", group=ROLE),
        Binding("enter", "save_edit", "Save", id="adjudicate.save-edit", tooltip="Take the edited version"),
        Binding("escape", "cancel_edit", "Cancel", id="adjudicate.cancel-edit", tooltip="Abandon the edit"),
        Binding("w", "write_html", "HTML", id="adjudicate.html", show=False,
                tooltip="Write this cluster's comparison to cluster-<id>.html beside the gold file"),
        Binding("question_mark", "help", "Help", id="adjudicate.help"),
        Binding("q", "quit", "Quit", id="adjudicate.quit"),
    ]

    def __init__(self, session: AdjudicationSession) -> None:
        super().__init__()
        self.session = session
        self._tokens: dict[str, Tokens] = {}
        self._shown_document: str | None = None

    def compose(self) -> ComposeResult:
        yield HeaderLine(id="header")
        with Horizontal(id="body"):
            yield DiffArticleView(id="article")
            with VerticalScroll(id="side"):
                yield VersionsPanel(id="versions")
        yield StatusLine(id="status")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def article(self) -> DiffArticleView:
        return self.query_one(DiffArticleView)

    def on_mount(self) -> None:
        self.article.focus()
        self.redraw()
        self.call_after_refresh(self.redraw)

    def on_resize(self) -> None:
        self.call_after_refresh(self.redraw)

    # ---- drawing -------------------------------------------------------------------
    def _display_state(self, item: DocumentAdjudication, cluster: Cluster | None) -> DocState:
        session = self.session
        if session.edit_state is not None:
            return session.edit_state
        text = item.document.text
        tokens = self._tokens.get(item.document.id)
        if tokens is None:
            tokens = self._tokens[item.document.id] = Tokens(text)
        versions: tuple[Attribution, ...] = ()
        if cluster is not None:
            versions = tuple(
                v.attribution.model_copy(update={"id": f"v{k + 1}", "origin": Origin.manual, "action": None})
                for k, v in enumerate(cluster.versions)
            )
        selected = f"v{session.focus + 1}" if versions else None
        return S.new_state(text, tokens, S.Snapshot(versions), selected=selected)

    def redraw(self) -> None:
        session = self.session
        item, cluster = session.item, session.cluster
        article = self.article
        if item is None:
            self.query_one(StatusLine).say("no documents to adjudicate")
            return
        if self._shown_document != item.document.id:
            article.set_text(item.document.text)
            self._shown_document = item.document.id
        state = self._display_state(item, cluster)
        article.show_state(state, scroll=True, dark=self.app.current_theme.dark)
        article.set_matches(cluster_differences(cluster) if cluster is not None and session.edit_state is None else [])
        side = self.query_one("#side")
        self.query_one(VersionsPanel).show_cluster(session, article.palette, max(20, side.size.width - 4))
        self.query_one(HeaderLine).show_session(session, self.size.width)
        self.query_one(StatusLine).say(session.message)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        binding_id = _binding_id(action, parameters)
        if binding_id is None:
            return True
        editing = self.session.edit_state is not None
        return (binding_id in EDIT_IDS) if editing else (binding_id not in EDIT_IDS - {"adjudicate.help", "adjudicate.quit"})

    # ---- actions: each one call into the session ----------------------------------
    def action_pick(self, number: int) -> None:
        self.session.pick(number)
        self.redraw()

    def action_reject(self) -> None:
        self.session.reject_all()
        self.redraw()

    def action_defer(self) -> None:
        self.session.defer()
        self.redraw()

    def action_focus_version(self) -> None:
        self.session.cycle_focus()
        self.redraw()

    def action_cluster(self, step: int) -> None:
        self.session.next_cluster(step)
        self.redraw()

    def action_document(self, step: int) -> None:
        self.session.next_document(step)
        self.redraw()

    def action_undo(self) -> None:
        self.session.undo()
        self.redraw()

    def action_reopen(self) -> None:
        self.session.reopen()
        self.redraw()

    def action_merged(self) -> None:
        self.session.toggle_view()
        self.redraw()

    def action_edit(self) -> None:
        self.session.start_edit()
        self.redraw()

    def action_boundary(self, which: str, direction: int) -> None:
        self.session.edit_apply(S.move_boundary, which, direction)
        self.redraw()

    def action_role(self, role: str) -> None:
        self.session.edit_apply(S.set_role, Role(role))
        self.redraw()

    def action_save_edit(self) -> None:
        self.session.finish_edit()
        self.redraw()

    def action_cancel_edit(self) -> None:
        self.session.cancel_edit()
        self.redraw()

    def action_write_html(self) -> None:
        from annotator.errors import AnnotatorError
        from annotator.report import write_cluster_page

        session = self.session
        if session.item is None or session.cluster is None:
            self.query_one(StatusLine).say("no cluster in view to write")
            return
        folder = session.out.parent if session.out is not None else Path(".")
        try:
            path = write_cluster_page(session.item.document, session.cluster, folder)
        except (AnnotatorError, OSError) as error:
            self.query_one(StatusLine).say(f"NOT WRITTEN: {error}")
            return
        self.query_one(StatusLine).say(f"wrote {path}")

    def action_help(self) -> None:
        from annotator.tui.keymap import key_display
        from annotator.tui.screens.help import HelpScreen

        keymap = getattr(self.app, "user_keymap", {})
        rows = [
            (b.id or "", key_display(keymap.get(b.id, b.key)), b.tooltip or b.description)
            for b in self.BINDINGS if isinstance(b, Binding)
        ]
        path = getattr(self.app, "keymap_path", None)
        self.app.push_screen(HelpScreen(rows, str(path) if path else None))

    def action_quit(self) -> None:
        self.session.save()
        self.app.exit()


_ACTION_TO_ID: dict[tuple[str, tuple], str] = {}


def _binding_id(action: str, parameters: tuple) -> str | None:
    if not _ACTION_TO_ID:
        from textual.actions import parse

        for binding in AdjudicateScreen.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                _namespace, name, params = parse(binding.action)
                _ACTION_TO_ID[(name, tuple(params))] = binding.id
    return _ACTION_TO_ID.get((action, tuple(parameters)))


class AdjudicationApp(App[None]):
    TITLE = "annotator adjudicate"
    CSS_PATH = "../app.tcss"  # the annotate app's rules: a footer group keeps its space
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit-now", show=False, priority=True)]

    def __init__(self, session: AdjudicationSession, keymap: dict[str, str] | None = None,
                 keymap_path: Path | None = None) -> None:
        super().__init__()
        self.session = session
        self.user_keymap = keymap or {}
        self.keymap_path = keymap_path

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)  # the same keys.toml as annotate
        self.push_screen(AdjudicateScreen(self.session))


def make_adjudication_app(session: AdjudicationSession, keys_file: Path | None = None) -> AdjudicationApp:
    """The app with the user's keys.toml (``keys_file``, else the default file if present)."""
    from annotator.tui.app import binding_ids
    from annotator.tui.keymap import load_keymap

    keymap, path = load_keymap(keys_file, binding_ids())
    return AdjudicationApp(session, keymap, path)


def run_adjudication(
    items: list[DocumentAdjudication], out: Path, gold_name: str, adjudicator: str, kept=(),
    keys_file: Path | None = None,
) -> AdjudicationSession:
    session = AdjudicationSession(items, out, gold_name, adjudicator, kept)
    make_adjudication_app(session, keys_file).run()
    return session
