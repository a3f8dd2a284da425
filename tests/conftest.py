"""Session fixtures shared by test modules (the suggester's pipeline is built once)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def suggester_nlp():
    from annotator.suggest.pipeline import build_pipeline

    return build_pipeline("rules")


@pytest.fixture(scope="session")
def suggest_one(suggester_nlp):
    """Document -> its suggestion record, through the session's pipeline."""
    from annotator.suggest import record_from_suggestions

    def run(document):
        doc = suggester_nlp(document.text)
        return record_from_suggestions(document, doc._.attributions or [])

    return run
