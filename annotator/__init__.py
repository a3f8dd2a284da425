"""annotator: keyboard-first annotation of attributions (who claims what) in news."""

__version__ = "0.1.0"
