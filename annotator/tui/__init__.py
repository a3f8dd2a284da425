"""The Textual annotation app (the only package that imports textual).

Textual batches screen updates at ``TEXTUAL_FPS`` frames per second (default 60), so a
key may wait up to 16.7 ms for its frame. The app only draws when something changed,
so a higher ceiling costs nothing while idle and shortens key-to-frame latency; the
user's own ``TEXTUAL_FPS`` still wins.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
