"""The Textual annotation app (the only package that imports textual)."""
