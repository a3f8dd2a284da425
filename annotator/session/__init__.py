"""The headless annotation layer: state, pure transitions, and the journalled session.

Imports schema, store and corpus only; never textual (a test checks this).
"""

from annotator.session.controller import History, Session, replay
from annotator.session.state import Change, DocState, Item, Snapshot
from annotator.session.suggestions import SuggestionSource
from annotator.session.tokens import Tokens

__all__ = ["Change", "DocState", "History", "Item", "Session", "Snapshot", "SuggestionSource", "Tokens", "replay"]
