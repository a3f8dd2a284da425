"""What the Line API widgets of the app share."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.visual import Visual


class CachedBaseStyle:
    """``base_style``: the widget's ``rich_style`` (its colours from the CSS), kept until
    the styles change. Textual's ``rich_style`` walks every ancestor on each call, and a
    ``render_line`` asks for it once per line: a frame of 60 lines paid for 60 walks."""

    _base_style: tuple[str, Style] | None = None

    @property
    def base_style(self) -> Style:
        theme = self.app.theme  # type: ignore[attr-defined]
        cached = self._base_style
        if cached is None or cached[0] != theme:  # a new theme may leave our own rules alone
            cached = self._base_style = (theme, self.rich_style)  # type: ignore[attr-defined]
        return cached[1]

    def notify_style_update(self) -> None:
        self._base_style = None
        super().notify_style_update()  # type: ignore[misc]


class FastScrollBarRender(Visual):
    """A vertical scrollbar drawn straight to Strips, with the look and the mouse handling
    of Textual's own ``ScrollBarRender`` (whose segments it reuses) but without the Rich
    rendering pass that cost each scroll of the article about a millisecond for its bar.

    Install on a widget with ``widget.vertical_scrollbar.renderer = FastScrollBarRender``."""

    _cache: dict[tuple, list[Strip]] = {}

    def __init__(self, virtual_size: int = 100, window_size: int = 0, position: float = 0,
                 thickness: int = 1, vertical: bool = True, style: Style | None = None) -> None:
        assert vertical, "FastScrollBarRender draws vertical scrollbars only"
        self.virtual_size = virtual_size
        self.window_size = window_size
        self.position = position
        self.thickness = thickness
        self.style = style or Style()

    def render_strips(self, width: int, height: int | None, style, options) -> list[Strip]:
        height = height or 0
        base = style.rich_style  # the widget's own colours, under the bar's (as Rich would)
        key = (width, height, self.virtual_size, self.window_size, self.position, self.style, base)
        strips = self._cache.get(key)
        if strips is None:
            bar = ScrollBarRender.render_bar(
                size=height, virtual_size=self.virtual_size, window_size=self.window_size,
                position=self.position, thickness=width, vertical=True,
                back_color=self.style.bgcolor or Color.parse("#555555"),
                bar_color=self.style.color or Color.parse("bright_magenta"),
            )
            strips = [Strip([segment], width).apply_style(base) for segment in bar.segments]
            if len(self._cache) > 32:  # a bar per scroll position: keep only the recent ones
                self._cache.clear()
            self._cache[key] = strips
        return strips

    def get_optimal_width(self, rules, container_width: int) -> int:
        return self.thickness

    def get_height(self, rules, width: int) -> int:
        return 1
