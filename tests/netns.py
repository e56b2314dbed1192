"""Network namespaces for discovery tests: the network rule made concrete.

Tests never send multicast or broadcast on this machine's real network cards. Each discovery
test creates its own namespaces with `ip netns add` (a fresh network stack with only `lo`,
down), brings `lo` up with multicast, joins two namespaces with a veth pair when it needs two
machines, runs every process inside with `ip netns exec`, and deletes them at the end.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time

_counter = itertools.count()


def unavailable() -> str | None:
    """Why namespaces cannot be used here, or None."""
    if shutil.which("ip") is None:
        return "needs `ip` (Debian package iproute2)"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    probe = f"msgprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"network namespaces are not permitted here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *(["-n", ns] if ns else []), *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")


class Namespace:
    """One namespace: `lo` up with multicast, optionally one end of a veth pair."""

    def __init__(self) -> None:
        self.name = f"msg{os.getpid()}x{next(_counter)}"
        ip("netns", "add", self.name)
        ip("link", "set", "lo", "up", ns=self.name)
        ip("link", "set", "lo", "multicast", "on", ns=self.name)
        self.veth: str | None = None
        self.address: str | None = None

    def exec(self, *cmd: str) -> list[str]:
        """A command line that runs `cmd` inside this namespace."""
        return ["ip", "netns", "exec", self.name, *cmd]

    @property
    def messagerie(self) -> list[str]:
        """The `exe` for tests.cli.Proc: `python -m messagerie` inside this namespace."""
        return self.exec(sys.executable, "-m", "messagerie")

    def run(self, *cmd: str, timeout: float = 30.0, check: bool = True):
        return subprocess.run(
            self.exec(*cmd), capture_output=True, text=True, timeout=timeout, check=check
        )

    def close(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def link(a: Namespace, b: Namespace, subnet: str = "10.77.0", prefix: int = 24) -> None:
    """Join two namespaces with a veth pair: a gets <subnet>.1, b gets <subnet>.2."""
    n = next(_counter)
    a.veth, b.veth = f"mva{os.getpid() % 10000}{n}", f"mvb{os.getpid() % 10000}{n}"
    ip("link", "add", a.veth, "netns", a.name, "type", "veth", "peer", b.veth, "netns", b.name)
    for ns, host in ((a, 1), (b, 2)):
        ns.address = f"{subnet}.{host}"
        ip("addr", "add", f"{ns.address}/{prefix}", "dev", ns.veth, ns=ns.name)
        ip("link", "set", ns.veth, "up", ns=ns.name)
    for ns in (a, b):
        wait_link_up(ns, ns.veth)


def wait_link_up(ns: Namespace, device: str, timeout: float = 10.0) -> None:
    """Wait until the kernel reports the link up (its link watch lags up to about 1 s)."""
    deadline = time.monotonic() + timeout
    while "state UP" not in ns.run("ip", "link", "show", "dev", device).stdout:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{device} in {ns.name} is not up after {timeout} s")
        time.sleep(0.05)
