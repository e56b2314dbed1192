"""Thumbnails of received (or our own) images, decoded off the Tk thread.

Pillow decodes on a worker thread; only the finished small image crosses back, through the
bridge, and becomes a `PhotoImage` on the Tk thread. An image that Pillow cannot read (or a
file that only claims to be one) simply gets no preview: it is logged, never shown as an
error, since the file itself is still there to open.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Larger images are not previewed: decoding them would take memory and time for a small
# picture (the file opens in the person's image viewer anyway).
MAX_PREVIEW_BYTES = 8 * 1024 * 1024
THUMBNAIL_PX = 220
# Decoding bombs (a small file that claims a huge picture) are refused past this.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class PreviewReady:
    """A thumbnail for the card `card_id` (a PIL image, or None when there is none)."""

    card_id: str
    image: Any


def wants_preview(media_type: str, size: int) -> bool:
    return media_type.startswith("image/") and 0 < size <= MAX_PREVIEW_BYTES


def thumbnail(path: Path, max_px: int = THUMBNAIL_PX) -> Any:
    """The image at `path`, reduced to fit `max_px`, or None when it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", (max_px, max_px))  # JPEG: decode at a smaller scale, cheaply
            image.thumbnail((max_px, max_px))
            return image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image.copy()
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        log.info("no preview for %s: %s", path, exc)
        return None


class Previews:
    """Makes thumbnails on one worker thread and hands PreviewReady to `sink` (thread-safe)."""

    def __init__(self, sink: Callable[[PreviewReady], None]) -> None:
        self._sink = sink
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="preview")

    def request(self, card_id: str, path: Path) -> None:
        self._pool.submit(lambda: self._sink(PreviewReady(card_id, thumbnail(Path(path)))))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
