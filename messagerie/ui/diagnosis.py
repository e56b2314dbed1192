"""Run the connection doctor off the Tk thread and hand its findings back to it.

The doctor's checks block for seconds (connections that time out), so they run on a worker
thread; the findings come back through a queue that the Tk thread drains with `after()`,
and only the newest run's findings are delivered.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from messagerie.i18n import tr

POLL_MS = 100


def findings_text(findings: list[Any], *, title: bool = True) -> str:
    """The findings as the lines shown to the person; a lone untitled one without a bullet."""
    if not title and len(findings) == 1:
        return findings[0].message
    lines = [f"• {f.message}" for f in findings]
    return "\n".join([tr("doctor.title"), *lines] if title else lines)


class Diagnosis:
    """Runs doctor checks for a widget; `run(check, on_result)` replaces any earlier run."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.findings: list[Any] = []
        self.thread: threading.Thread | None = None
        self._results: queue.Queue[tuple[int, list[Any]]] = queue.Queue()
        self._generation = 0
        self._on_result: Callable[[list[Any]], None] | None = None
        self._after: str | None = None
        widget.bind("<Destroy>", self._destroyed, add="+")

    def run(self, check: Callable[[], list[Any]], on_result: Callable[[list[Any]], None]) -> None:
        """Run `check` on a worker thread; call `on_result(findings)` on the Tk thread."""
        self._generation += 1
        generation = self._generation
        self._on_result = on_result
        self.findings = []

        def work() -> None:
            try:
                findings = check()
            except Exception:  # a doctor that fails must not hide the original error
                findings = []
            self._results.put((generation, findings))

        self.thread = threading.Thread(target=work, name="messagerie-doctor", daemon=True)
        self.thread.start()
        if self._after is None:
            self._after = self.widget.after(POLL_MS, self._poll)

    def cancel(self) -> None:
        """Forget the running check: its findings will not be shown."""
        self._generation += 1
        self.findings = []

    def _poll(self) -> None:
        self._after = None
        while True:
            try:
                generation, findings = self._results.get_nowait()
            except queue.Empty:
                break
            if generation == self._generation and findings and self._on_result is not None:
                self.findings = list(findings)
                self._on_result(self.findings)
        if self.thread is not None and self.thread.is_alive():
            self._after = self.widget.after(POLL_MS, self._poll)

    def _destroyed(self, event: Any) -> None:
        if event.widget is self.widget and self._after is not None:
            self.widget.after_cancel(self._after)
            self._after = None
