"""The desktop window (ttkbootstrap). Entry point: `run_gui()`.

Nothing here is imported by headless mode: tkinter and ttkbootstrap are imported inside
`run_gui()`, so `messagerie serve --headless` works on a machine without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_gui(**options: Any) -> int:
    """Open the window and run until it is closed. Returns the process exit code.

    Takes the keyword arguments of `build()`.
    """
    controller = build(**options)
    controller.root.mainloop()
    return 0


def build(
    *,
    data_dir: Path | None,
    mode: str | None,
    host: str | None = None,
    port: int | None = None,
    name: str | None = None,
    tls: bool = True,
    password: str | None = None,
    limits: Any = None,
    trust_new: bool = False,
) -> Any:
    """Create the window and its first view, without entering the main loop (tests use this).

    `data_dir` is the data folder (settings.json, identity, history). `mode` None opens the
    start view; "serve" or "join" opens straight into a hosted or joined chat with the given
    values, using the remembered ones for values that are None. A direct launch is remembered
    like values typed into the start view. `trust_new` (join only) accepts a changed server
    identity.
    """
    from messagerie.limits import DEFAULT_LIMITS
    from messagerie.store import files
    from messagerie.ui.controller import Controller
    from messagerie.ui.forms import direct_launch_form

    controller = Controller(
        data_dir=files.data_dir(data_dir), tls=tls, limits=limits or DEFAULT_LIMITS
    )
    if mode is None:
        controller.show_start()
        return controller
    kind = "host" if mode == "serve" else "join"
    form = direct_launch_form(
        kind, controller.settings, host=host, port=port, name=name, password=password
    )
    if form.ok:
        given_host = form.host if host is not None else None
        controller.remember(kind, name=name, host=given_host, port=port)
    controller.show_start(kind)
    if form.ok:
        controller.start_session(kind, form, trust_new=trust_new)
    else:
        controller.window.view.show_errors(kind, form.errors)
    return controller
