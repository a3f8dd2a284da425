"""The state of one annotator on one document, and its transitions as pure functions.

Every transition takes a ``DocState`` and returns a ``Change``: the new state, whether
the annotation itself changed (then the controller journals it and records an undo
step) and a message for the user. Nothing here does I/O or imports textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from annotator.schema import (
    Action,
    Attribution,
    AttributionType,
    Origin,
    Role,
    Span,
    Status,
)
from annotator.session.tokens import Tokens, next_grapheme, previous_grapheme, snap

ItemStatus = Literal["pending", "accepted", "edited", "added", "rejected"]
Mode = Literal["normal", "edit", "select"]
TYPE_ORDER = [t for t in AttributionType]
OPENING_QUOTES = {"“": "”", '"': '"', "‘": "’", "«": "»", "„": "“", "'": "'"}


@dataclass(frozen=True)
class Item:
    """An attribution as the annotator sees it, with its standing."""

    attribution: Attribution
    status: ItemStatus

    @property
    def id(self) -> str:
        return self.attribution.id

    @property
    def decided(self) -> bool:
        return self.status != "pending"


@dataclass(frozen=True)
class Snapshot:
    """The part of a DocState that the journal keeps and undo restores."""

    attributions: tuple[Attribution, ...] = ()
    rejected: tuple[Attribution, ...] = ()
    status: Status = Status.in_progress


@dataclass(frozen=True, eq=False)
class DocState:
    text: str
    tokens: Tokens = field(repr=False)
    attributions: tuple[Attribution, ...] = ()
    rejected: tuple[Attribution, ...] = ()
    suggestions: tuple[Attribution, ...] = ()
    status: Status = Status.in_progress
    selected: str | None = None
    role: Role = Role.content
    cursor: int = 0
    anchor: int | None = None
    mode: Mode = "normal"
    # A new attribution being built (N with nothing selected): its source and cue so far.
    # It is journalled once it has a content (the schema requires one).
    draft: tuple[Span | None, Span | None] | None = None
    # The attribution whose span s/c/t last chose (e and r start on the content otherwise).
    role_chosen_for: str | None = None
    # What r cycles through: (attribution id, role, the ranked spans, the index shown,
    # whether the last of them is the span as it was before the first r).
    cycle: tuple[str, Role, tuple[Span, ...], int, bool] | None = None

    # ---- derived views -------------------------------------------------------------
    @cached_property
    def items(self) -> list[Item]:
        """Decided, pending and rejected attributions in reading order."""
        decided_ids = {a.id for a in self.attributions} | {a.id for a in self.rejected}
        items = [Item(a, _decided_status(a)) for a in self.attributions]
        items += [Item(a, "pending") for a in self.suggestions if a.id not in decided_ids]
        items += [Item(a, "rejected") for a in self.rejected]
        items.sort(key=lambda item: (item.attribution.content.start, item.attribution.content.end, item.id))
        return items

    @cached_property
    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @property
    def current(self) -> Item | None:
        return self.by_id.get(self.selected) if self.selected else None

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.anchor is None:
            return None
        lo, hi = sorted((self.anchor, self.cursor))
        return (lo, hi) if hi > lo else None

    @property
    def pending_count(self) -> int:
        return sum(1 for item in self.items if item.status == "pending")

    def snapshot(self) -> Snapshot:
        return Snapshot(self.attributions, self.rejected, self.status)

    def restore(self, snapshot: Snapshot) -> DocState:
        return _new(self, attributions=snapshot.attributions, rejected=snapshot.rejected,
                    status=snapshot.status)

    def index_of(self, attribution_id: str | None) -> int | None:
        for index, item in enumerate(self.items):
            if item.id == attribution_id:
                return index
        return None


@dataclass(frozen=True)
class Change:
    state: DocState
    changed: bool = False  # the annotation changed: journal it, make an undo step
    message: str | None = None


def _decided_status(attribution: Attribution) -> ItemStatus:
    if attribution.action == Action.edited:
        return "edited"
    if attribution.origin == Origin.manual:
        return "added"
    return "accepted"


_VIEW_FIELDS = ("attributions", "rejected", "suggestions")


def _new(state: DocState, **changes) -> DocState:
    """``replace``; the cached views (items, by_id) carry over when the attributions
    did not change, so moving around never re-sorts the list."""
    new = replace(state, **changes)
    if not any(name in changes and changes[name] is not getattr(state, name) for name in _VIEW_FIELDS):
        for view in ("items", "by_id"):
            if view in state.__dict__:
                new.__dict__[view] = state.__dict__[view]
    return new


def new_state(text: str, tokens: Tokens | None = None, snapshot: Snapshot | None = None,
              suggestions: tuple[Attribution, ...] = (), selected: str | None = None,
              cursor: int | None = None) -> DocState:
    state = DocState(text=text, tokens=tokens or Tokens(text), suggestions=tuple(suggestions))
    if snapshot is not None:
        state = state.restore(snapshot)
    if selected is None or selected not in state.by_id:
        pending = [item for item in state.items if item.status == "pending"]
        first = next(iter(pending or state.items), None)
        selected = first.id if first else None
    state = _new(state, selected=selected)
    if cursor is None:
        cursor = _cursor_for(state, selected)
    return _new(state, cursor=snap(text, min(cursor, len(text))))


def _cursor_for(state: DocState, attribution_id: str | None) -> int:
    item = state.by_id.get(attribution_id) if attribution_id else None
    if item is None:
        return state.cursor
    span = item.attribution.span(state.role) or item.attribution.content
    return span.start


# ---- navigation ----------------------------------------------------------------------
def select(state: DocState, attribution_id: str | None) -> Change:
    if attribution_id is not None and attribution_id not in state.by_id:
        return Change(state, message="no such attribution")
    moved = _new(state, selected=attribution_id, draft=None,
                 mode="normal" if state.mode == "edit" else state.mode)
    if attribution_id != state.selected:  # another attribution: its content first (s/c/t choose again)
        moved = _new(moved, role=Role.content)
    return Change(_new(moved, cursor=_cursor_for(moved, attribution_id)))


def select_relative(state: DocState, step: int) -> Change:
    items = state.items
    if not items:
        return Change(state, message="no attributions yet: select text with v, then N")
    index = state.index_of(state.selected)
    if index is None:
        index = -1 if step > 0 else len(items)
        if step > 0:
            # from the cursor: the first attribution at or after it
            for position, item in enumerate(items):
                if item.attribution.content.start >= state.cursor:
                    index = position - 1
                    break
    target = max(0, min(len(items) - 1, index + step))
    return select(state, items[target].id)


def select_next_undecided(state: DocState) -> Change:
    items = state.items
    if not items:
        return Change(state)
    start = state.index_of(state.selected)
    start = -1 if start is None else start
    count = len(items)
    for offset in range(1, count + 1):
        item = items[(start + offset) % count]
        if item.status == "pending":
            return select(state, item.id)
    return Change(state, message="every suggestion is decided: d marks the document done")


# ---- decisions -----------------------------------------------------------------------
def _replace_attribution(state: DocState, attribution: Attribution) -> DocState:
    """Put ``attribution`` among the decided ones (replacing one with its id)."""
    kept = [a for a in state.attributions if a.id != attribution.id]
    rejected = tuple(a for a in state.rejected if a.id != attribution.id)
    return _new(state, attributions=tuple([*kept, attribution]), rejected=rejected)


def accept(state: DocState) -> Change:
    item = state.current
    if item is None:
        return Change(state, message="nothing selected")
    if item.status in ("accepted", "edited", "added"):
        follow = select_next_undecided(state)
        return Change(follow.state, False, follow.message or "already accepted")
    accepted = item.attribution.model_copy(update={"action": Action.accepted})
    if item.attribution.origin == Origin.manual:
        accepted = item.attribution.model_copy(update={"action": Action.added})
    new = _replace_attribution(state, accepted)
    follow = select_next_undecided(new)
    return Change(follow.state, True, follow.message)


def reject(state: DocState) -> Change:
    item = state.current
    if item is None:
        return Change(state, message="nothing selected")
    if item.status == "rejected":
        follow = select_next_undecided(state)
        return Change(follow.state, False, follow.message or "already rejected")
    attributions = tuple(a for a in state.attributions if a.id != item.id)
    if item.attribution.origin == Origin.manual:
        # a manual attribution is simply deleted (undo brings it back)
        new = _new(state, attributions=attributions)
        index = state.index_of(item.id) or 0
        items = new.items
        target = items[min(index, len(items) - 1)].id if items else None
        new = _new(new, selected=target)
        return Change(new, True, "deleted the attribution (u undoes)")
    original = next((s for s in state.suggestions if s.id == item.id), item.attribution)
    rejected = tuple([*(a for a in state.rejected if a.id != item.id),
                      original.model_copy(update={"action": None})])
    new = _new(state, attributions=attributions, rejected=rejected)
    follow = select_next_undecided(new)
    return Change(follow.state, True, follow.message)


def _edited(item: Item, **update) -> Attribution:
    attribution = item.attribution
    if attribution.origin == Origin.suggested:
        update.setdefault("action", Action.edited)
    else:
        update.setdefault("action", Action.added)
    return attribution.model_copy(update=update)


def _editable(state: DocState) -> Item | str:
    item = state.current
    if item is None:
        return "nothing selected: j/k select an attribution, or v…N makes one"
    if item.status == "rejected":
        return "this suggestion is rejected: a accepts it first"
    return item


def set_role(state: DocState, role: Role) -> Change:
    moved = _new(state, role=role)
    item = state.current
    span = item.attribution.span(role) if item else None
    if span is not None:
        moved = _new(moved, cursor=span.start)
    message = None if span is not None or item is None else (
        f"no {role.value} yet: select text with v and press {ROLE_KEYS[role]}")
    return Change(moved, message=message)


ROLE_KEYS = {Role.source: "1", Role.cue: "2", Role.content: "3"}


def edit_role(state: DocState, role: Role) -> Change:
    """``s``/``c``/``t``: edit that span of the selected attribution (entering edit mode
    from normal mode), with the cursor on it."""
    if state.mode != "edit":
        target = _editable(state)
        if isinstance(target, str):
            return Change(state, message=target)
        state = _new(state, mode="edit", anchor=None)
    change = set_role(_new(state, role_chosen_for=state.selected), role)
    message = change.message or (f"edit the {role.value}: [ ] move its start, {{ }} its end; esc ends")
    return Change(change.state, message=message)


def toggle_edit(state: DocState) -> Change:
    if state.mode == "edit":
        return Change(_new(state, mode="normal"))
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    state = _new(state, role=_role_for(state))
    span = target.attribution.span(state.role)
    if span is not None:
        state = _new(state, cursor=span.start)
    return Change(_new(state, mode="edit", anchor=None),
                  message="edit: [ ] < > move the start, { } f F the end, r next-best; s c t pick the span; esc ends")


def _role_for(state: DocState) -> Role:
    """The span edit mode starts on: the content, unless s/c/t chose one for this attribution."""
    return state.role if state.role_chosen_for == state.selected and state.selected else Role.content


def move_boundary(state: DocState, which: Literal["start", "end"], direction: int,
                  unit: Literal["token", "phrase", "sentence"] = "token") -> Change:
    """Move the focused span's start or end by one token, to the next phrase or clause
    boundary (``Phrases``), or to the sentence's start/end. A start moved past the end
    takes the end along (and an end moved before the start, the start)."""
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    span = target.attribution.span(state.role)
    if span is None:
        return Change(state, message=f"no {state.role.value} to adjust: v selects text, "
                      f"{ROLE_KEYS[state.role]} sets it")
    pieces = [list(piece) for piece in span.pieces]
    tokens = state.tokens
    new: int | None
    if unit == "sentence":
        if which == "start":
            start, end = pieces[0]
            new = tokens.previous_sentence(start) if direction < 0 else tokens.next_sentence(start)
            if new >= end:
                return Change(state, message="the start cannot move further")
            pieces[0][0] = new
            cursor = new
        else:
            start, end = pieces[-1]
            new = tokens.sentence_end(end) if direction > 0 else tokens.sentence_end(tokens.previous_sentence(end - 1) - 1)
            if new <= end and direction > 0:
                new = tokens.sentence_end(tokens.next_sentence(end))
            if new <= start or new > len(state.text):
                return Change(state, message="the end cannot move further")
            pieces[-1][1] = new
            cursor = previous_grapheme(state.text, new)
    elif which == "start":
        start, end = pieces[0]
        if unit == "phrase":
            new = tokens.phrases.previous_start(start) if direction < 0 else tokens.phrases.next_start(start)
        else:
            new = tokens.previous_start(start) if direction < 0 else tokens.next_start(start)
        if new is None or (new >= end and len(pieces) > 1):
            return Change(state, message="the start cannot move further")
        if new >= end:  # past the end: the end moves along, to the end of the token there
            covering = tokens.token_covering(new)
            pieces[0][1] = covering[1] if covering else new + 1
        pieces[0][0] = new
        cursor = new
    else:
        start, end = pieces[-1]
        if unit == "phrase":
            new = tokens.phrases.previous_end(end) if direction < 0 else tokens.phrases.next_end(end)
        else:
            new = tokens.previous_end(end) if direction < 0 else tokens.next_end(end)
        if new is None or (new <= start and len(pieces) > 1):
            return Change(state, message="the end cannot move further")
        if new <= start:  # before the start: the start moves along, to the start of the token there
            covering = tokens.token_covering(previous_grapheme(state.text, new))
            pieces[-1][0] = covering[0] if covering else previous_grapheme(state.text, new)
        pieces[-1][1] = new
        cursor = previous_grapheme(state.text, new)
    new_span = Span.from_pieces(state.text, [(p[0], p[1]) for p in pieces])
    attribution = _edited(target, **{state.role.value: new_span})
    new_state_ = _replace_attribution(state, attribution)
    return Change(_new(new_state_, cursor=cursor), True)


# ---- cursor and selection ------------------------------------------------------------
def set_cursor(state: DocState, offset: int, extend: bool = False) -> Change:
    offset = snap(state.text, max(0, min(len(state.text), offset)))
    if extend and state.anchor is None:
        state = _new(state, anchor=state.cursor, mode="select")
    return Change(_new(state, cursor=offset))


def move_cursor(state: DocState, unit: str, direction: int) -> Change:
    """Move the cursor by grapheme, token or sentence; in select mode this extends."""
    text, tokens, cursor = state.text, state.tokens, state.cursor
    anchor = state.anchor
    if unit == "char":
        new = next_grapheme(text, cursor) if direction > 0 else previous_grapheme(text, cursor)
    elif unit == "token":
        if anchor is not None and cursor >= anchor:
            found = tokens.next_end(cursor) if direction > 0 else tokens.previous_end(cursor)
            if found is not None and found <= anchor:
                found = tokens.previous_start(anchor + 1)
        elif anchor is not None:
            found = tokens.next_start(cursor) if direction > 0 else tokens.previous_start(cursor)
            if found is not None and found > anchor:
                found = tokens.next_end(anchor)
        else:
            found = tokens.next_start(cursor) if direction > 0 else tokens.previous_start(cursor)
        new = cursor if found is None else found
    elif unit == "clause":
        if direction > 0:
            new = tokens.next_clause_end(cursor)
            if new <= cursor:
                new = tokens.next_clause_end(cursor + 1)
        else:
            new = tokens.previous_clause_start(cursor)
    elif unit == "sentence":
        if anchor is not None and direction > 0 and cursor >= anchor:
            new = tokens.sentence_end(cursor)
            if new <= cursor:
                new = tokens.sentence_end(tokens.next_sentence(cursor))
        else:
            new = tokens.next_sentence(cursor) if direction > 0 else tokens.previous_sentence(cursor)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    return Change(_new(state, cursor=new))


def start_selection(state: DocState) -> Change:
    """``v``: select the token under the cursor (a whole quotation on an opening quote)."""
    if state.anchor is not None:
        return Change(_new(state, anchor=None, mode="normal"))
    text, cursor = state.text, state.cursor
    char = text[cursor] if cursor < len(text) else ""
    if char in OPENING_QUOTES:
        closing = OPENING_QUOTES[char]
        close = text.find(closing, cursor + 1)
        paragraph_end = text.find("\n\n", cursor)
        if close != -1 and (paragraph_end == -1 or close < paragraph_end):
            return Change(_new(state, anchor=cursor, cursor=close + 1, mode="select"),
                          message="selected the quotation: 1 2 3 assign it, N makes a new attribution")
    token = state.tokens.token_covering(cursor) or state.tokens.token_at(cursor)
    if token is None:
        return Change(state, message="no text here to select")
    return Change(_new(state, anchor=token[0], cursor=token[1], mode="select"),
                  message="select: arrows w b ( ) extend; 1 source, 2 cue, 3 content, N new")


def clear_selection(state: DocState) -> Change:
    return Change(_new(state, anchor=None, mode="normal"))


def _selected_range(state: DocState) -> tuple[int, int] | None:
    selection = state.selection
    if selection is None:
        token = state.tokens.token_covering(state.cursor)
        return token
    lo, hi = selection
    # trim surrounding spaces: a span never starts or ends with whitespace
    while lo < hi and state.text[lo].isspace():
        lo += 1
    while hi > lo and state.text[hi - 1].isspace():
        hi -= 1
    return (lo, hi) if hi > lo else None


def _after_selection(state: DocState, end: int) -> int:
    """Where the cursor goes after a span is assigned: the next token (often the next span)."""
    following = state.tokens.next_start(end - 1)
    return following if following is not None else end


def assign(state: DocState, role: Role) -> Change:
    """``1``/``2``/``3``: the selection becomes a span of the current (or draft) attribution."""
    selected = _selected_range(state)
    if selected is None:
        return Change(state, message="select text first: v, then arrows or w")
    span = Span.from_text(state.text, *selected)
    cursor = _after_selection(state, selected[1])
    if state.draft is not None:
        source, cue = state.draft
        if role == Role.content:
            return _create(state, span, source, cue, "attribution added")
        draft = (span, cue) if role == Role.source else (source, span)
        return Change(_new(state, draft=draft, anchor=None, mode="normal", cursor=cursor),
                      message=f"draft: {role.value} set; select its content and press 3")
    item = state.current
    if item is None or item.status == "rejected":
        if role != Role.content:
            return Change(state, message="no attribution selected: N starts a new one")
        return new_attribution(state)
    attribution = _edited(item, **{role.value: span})
    new = _replace_attribution(state, attribution)
    new = _new(new, anchor=None, mode="normal", role=role, cursor=cursor)
    return Change(new, True, f"{role.value} set")


def _fresh_id(state: DocState) -> str:
    used = {a.id for a in (*state.attributions, *state.rejected, *state.suggestions)}
    number = 1
    while f"m{number}" in used:
        number += 1
    return f"m{number}"


def new_attribution(state: DocState) -> Change:
    """``N``: a new attribution. With a selection, the selection is its CONTENT; without
    one, a draft starts whose source (1), cue (2) and content (3) are selected next."""
    if state.selection is None:
        return Change(_new(state, draft=(None, None), selected=None, anchor=None, mode="normal"),
                      message="new attribution: select its source (v … 1), cue (v … 2) and content (v … 3)")
    selected = _selected_range(state)
    if selected is None:
        return Change(state, message="the selection holds only spaces")
    content = Span.from_text(state.text, *selected)
    source, cue = state.draft if state.draft is not None else (None, None)
    return _create(state, content, source, cue,
                   "new attribution: now its source (v … 1) and cue (v … 2)")


def _create(state: DocState, content: Span, source: Span | None, cue: Span | None, message: str) -> Change:
    kind = AttributionType.direct if content.text[:1] in OPENING_QUOTES else AttributionType.indirect
    if cue is not None and cue.text.casefold().startswith("according"):
        kind = AttributionType.according_to
    attribution = Attribution(id=_fresh_id(state), content=content, source=source, cue=cue, type=kind,
                              origin=Origin.manual, action=Action.added)
    role = Role.source if source is None else (Role.cue if cue is None else Role.content)
    cursor = _after_selection(state, content.end)
    new = _new(state, attributions=(*state.attributions, attribution), selected=attribution.id,
               anchor=None, mode="normal", role=role, cursor=cursor, draft=None)
    return Change(new, True, message)


def cancel_draft(state: DocState) -> Change:
    if state.draft is None:
        return Change(state)
    return Change(_new(state, draft=None), message="new attribution abandoned")


# ---- fields --------------------------------------------------------------------------
def set_entity(state: DocState, entity: str | None) -> Change:
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    entity = (entity or "").strip() or None
    if entity == target.attribution.source_entity:
        return Change(state)
    new = _replace_attribution(state, _edited(target, source_entity=entity))
    return Change(new, True, f"entity: {entity}" if entity else "entity cleared")


def cycle_type(state: DocState, direction: int = 1) -> Change:
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    index = TYPE_ORDER.index(target.attribution.type)
    kind = TYPE_ORDER[(index + direction) % len(TYPE_ORDER)]
    new = _replace_attribution(state, _edited(target, type=kind))
    return Change(new, True, f"type: {kind.value}")


def set_note(state: DocState, note: str | None) -> Change:
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    note = (note or "").strip() or None
    if note == target.attribution.note:
        return Change(state)
    new = _replace_attribution(state, _edited(target, note=note))
    return Change(new, True, "note saved" if note else "note removed")


def set_status(state: DocState, status: Status) -> Change:
    if state.status == status:
        return Change(state)
    return Change(_new(state, status=status), True)


def attribution_at(state: DocState, offset: int) -> str | None:
    """The attribution whose span covers ``offset`` (the innermost, preferring the selected)."""
    best: tuple[int, str] | None = None
    for item in state.items:
        if item.status == "rejected":
            continue
        for role in Role:
            span = item.attribution.span(role)
            if span is None:
                continue
            for start, end in span.pieces:
                if start <= offset < end:
                    size = end - start - (1_000_000 if item.id == state.selected else 0)
                    if best is None or size < best[0]:
                        best = (size, item.id)
    return best[1] if best else None




def select_range(state: DocState, anchor: int, cursor: int) -> Change:
    """A selection from ``anchor`` to ``cursor`` (a mouse drag), on grapheme boundaries."""
    anchor = snap(state.text, max(0, min(len(state.text), anchor)))
    cursor = snap(state.text, max(0, min(len(state.text), cursor)))
    if anchor == cursor:
        return Change(_new(state, anchor=None, cursor=cursor, mode="normal"))
    return Change(_new(state, anchor=anchor, cursor=cursor, mode="select"),
                  message="selected: 1 source, 2 cue, 3 content, N new attribution")


def with_suggestions(state: DocState, suggestions: tuple[Attribution, ...]) -> DocState:
    """``state`` with suggestions that arrived after the document opened."""
    new = _new(state, suggestions=tuple(suggestions))
    if new.selected is None and new.draft is None and new.anchor is None:
        pending = [item for item in new.items if item.status == "pending"]
        if pending:
            new = _new(new, selected=pending[0].id, cursor=pending[0].attribution.content.start)
    return new


def add_piece(state: DocState) -> Change:
    """``+``: the selection becomes another piece of the current attribution's CONTENT
    (an interrupted quotation: a discontinuous span)."""
    selected = _selected_range(state)
    if selected is None:
        return Change(state, message="select the next piece of the content first: v, then w or )")
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    content = target.attribution.content
    span = Span.from_pieces(state.text, [*content.pieces, selected])
    if span == content:
        return Change(_new(state, anchor=None, mode="normal"), message="that text is already in the content")
    new = _replace_attribution(state, _edited(target, content=span))
    pieces = len(span.pieces)
    return Change(_new(new, anchor=None, mode="normal", cursor=_after_selection(state, selected[1])), True,
                  f"content now has {pieces} pieces" if pieces > 1 else "content extended")


def clear_span(state: DocState) -> Change:
    """``backspace`` in edit mode: remove the focused source or cue (content is required)."""
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    if state.role == Role.content:
        return Change(state, message="the content cannot be removed: x rejects or deletes the attribution")
    if target.attribution.span(state.role) is None:
        return Change(state, message=f"there is no {state.role.value} to remove")
    new = _replace_attribution(state, _edited(target, **{state.role.value: None}))
    return Change(new, True, f"{state.role.value} removed")


# ---- cheap corrections: next-best boundaries, a new attribution from its cue -----------
def cycle_alternative(state: DocState, direction: int = 1,
                      alternatives: Callable[..., list[Span]] | None = None) -> Change:
    """``r``: the focused span becomes the next of its ranked alternatives
    (``boundary_alternatives``; ``R`` goes back). The list is computed at the first
    press and kept while the span is the one shown, so presses walk one list; it ends
    with the span as it was. From normal mode it enters edit mode on the content (or
    the span s/c/t chose for this attribution)."""
    from annotator.session.alternatives import boundary_alternatives

    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    if state.mode != "edit":
        state = _new(state, mode="edit", anchor=None, role=_role_for(state))
    role = state.role
    span = target.attribution.span(role)
    cycle = state.cycle
    if not (cycle is not None and cycle[0] == target.id and cycle[1] == role and span is not None
            and cycle[2][cycle[3]].pieces == span.pieces):
        others = [item.attribution for item in state.items if item.status != "rejected"]
        ranked = (alternatives or boundary_alternatives)(state.tokens, target.attribution, role, others)
        if not ranked:
            return Change(state, message=f"no other boundaries known for this {role.value}: "
                          "[ ] < > move its start, { } f F its end")
        listed = (*ranked, span) if span is not None else tuple(ranked)
        # the span as it was is the last entry: r starts at the first alternative, R at the last
        cycle = (target.id, role, listed, len(listed) - 1 if span is not None else (-1 if direction > 0 else len(listed)),
                 span is not None)
    ranked_spans = cycle[2]
    index = (cycle[3] + direction) % len(ranked_spans)
    chosen = ranked_spans[index]
    attribution = _edited(target, **{role.value: chosen})
    new = _replace_attribution(state, attribution)
    with_original = cycle[4]
    count = len(ranked_spans) - (1 if with_original else 0)
    if with_original and index == len(ranked_spans) - 1:
        message = f"{role.value} as it was (r: alternative 1 of {count})"
    else:
        message = f"{role.value}: alternative {index + 1} of {count} (r next, R back)"
    return Change(_new(new, cycle=(target.id, role, ranked_spans, index, with_original), cursor=chosen.start),
                  True, message)


def adjust_boundary(state: DocState, which: Literal["start", "end"], direction: int,
                    unit: Literal["token", "phrase", "sentence"] = "token") -> Change:
    """A boundary key in the annotation screen: from normal mode it enters edit mode on
    the content (or the span s/c/t chose for this attribution) and moves at once, so a
    one-boundary fix costs no ``e``."""
    if state.mode == "normal" and state.anchor is None and state.draft is None:
        target = _editable(state)
        if isinstance(target, str):
            return Change(state, message=target)
        state = _new(state, mode="edit", role=_role_for(state))
    return move_boundary(state, which, direction, unit)


def cycle_source(state: DocState, direction: int = 1) -> Change:
    """``S``: the source's next-best boundaries in one key from normal mode (``s r``
    in two): the coordinated names ending with it, its apposition, the noun group
    before the cue, a source already used in the document."""
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    focused = _new(state, mode="edit", anchor=None, role=Role.source, role_chosen_for=state.selected)
    return cycle_alternative(focused, direction)


def cycle_cue(state: DocState, direction: int = 1) -> Change:
    """``K``: the cue's next-best boundaries in one key ("has said", "called on")."""
    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    focused = _new(state, mode="edit", anchor=None, role=Role.cue, role_chosen_for=state.selected)
    return cycle_alternative(focused, direction)


def content_other_side(state: DocState) -> Change:
    """``o``: the content moves to the other side of its cue (``"…, his office said,
    in a rare visit …"`` took the wrong side)."""
    from annotator.session.alternatives import other_side

    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    span = other_side(state.tokens, target.attribution)
    if span is None:
        return Change(state, message="no text on the other side of the cue in this sentence")
    new = _replace_attribution(state, _edited(target, content=span))
    return Change(_new(new, cursor=span.start), True, "content moved to the other side of its cue")


def new_from_cue(state: DocState) -> Change:
    """``C``: a new attribution whose CUE is the selection (or the token at the cursor),
    with the content and source the sentence suggests; ``r`` cycles their alternatives."""
    from annotator.session.alternatives import new_from_cue as propose

    selected = _selected_range(state)
    if selected is None:
        return Change(state, message="put the cursor on the cue (v selects a longer one), then C")
    cue = Span.from_text(state.text, *selected)
    others = [item.attribution for item in state.items if item.status != "rejected"]
    content, source = propose(state.tokens, cue, others)
    if content is None:
        return Change(state, message="no content found around this cue: select it with v … and N")
    change = _create(_new(state, draft=None), content, source, cue,
                     "new attribution from its cue: r cycles the content, S the source, K the cue")
    return Change(_new(change.state, role=Role.content, mode="normal"), True, change.message)


def entity_everywhere(state: DocState) -> Change:
    """``ctrl+e``: this attribution's entity for every mention of its source in the
    document (``mentions.mentions_of``). Decided attributions are changed and journalled;
    undecided suggestions carry it when they are decided."""
    from annotator.session.mentions import mentions_of

    target = _editable(state)
    if isinstance(target, str):
        return Change(state, message=target)
    entity = target.attribution.source_entity
    if not entity:
        return Change(state, message="set this attribution's entity first (E), then ctrl+e applies it to every mention")
    shown = [item.attribution for item in state.items if item.status != "rejected"]
    ids = set(mentions_of(target.attribution, shown))
    decided = [item for item in state.items if item.id in ids and item.decided
               and item.attribution.source_entity != entity]
    pending = {item.id for item in state.items if item.id in ids and not item.decided}
    new = state
    for item in decided:
        new = _replace_attribution(new, _edited(item, source_entity=entity))
    if pending:
        suggestions = tuple(s.model_copy(update={"source_entity": entity}) if s.id in pending else s
                            for s in new.suggestions)
        new = _new(new, suggestions=suggestions)
    if not decided and not pending:
        return Change(state, message=f"no other mention of {target.attribution.source.text if target.attribution.source else 'this source'} found")
    return Change(new, bool(decided), f"entity {entity} set on {len(decided) + len(pending)} other mention(s) "
                  f"({len(decided)} decided, {len(pending)} undecided)")


def jump_to_cue(state: DocState, direction: int) -> Change:
    """``;``/``,``: the cursor to the next (previous) word that may be a cue and is not
    yet one (``cues.cue_stops``): where a missed attribution starts with ``C``."""
    from annotator.session.cues import cue_stops, next_stop

    stops = cue_stops(state.tokens, [item.attribution for item in state.items if item.status != "rejected"])
    found = next_stop(stops, state.cursor, direction)
    if found is None:
        return Change(state, message="no further word that may be a cue" if direction > 0
                      else "no earlier word that may be a cue")
    return Change(_new(state, cursor=found))
