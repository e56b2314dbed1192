"""An X display for the benchmarks that open windows (`gui`, `startup`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager

from bench.servers import end_process


@contextmanager
def virtual_display():
    """Yield an X display: $DISPLAY if set, else a private Xvfb stopped on exit."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is needed (apt-get install xvfb) when DISPLAY is not set.")
    # -displayfd makes Xvfb pick a free display number itself and write it to the pipe, which
    # avoids racing with other X servers (pytest-xvfb, xvfb-run) for a number.
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise SystemExit("Xvfb did not start.")
        yield f":{number}"
    finally:
        end_process(server, timeout=5)
