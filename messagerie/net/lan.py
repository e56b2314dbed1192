"""This machine's addresses on the local network, to show a host what to give to others.

No packet leaves the machine: `connect()` on a UDP socket only asks the kernel which
interface would be used, and `getaddrinfo(gethostname())` reads local configuration.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket

# Private-range destinations used only to ask the kernel for a route; nothing is sent to them.
_ROUTE_PROBES = (("10.255.255.255", socket.AF_INET), ("fd00::1", socket.AF_INET6))


def lan_addresses() -> list[str]:
    """This machine's IPv4 then IPv6 LAN addresses, without loopback or link-local ones."""
    found: set[str] = set()
    for target, family in _ROUTE_PROBES:
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((target, 9))
            found.add(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, proto=socket.IPPROTO_TCP):
            found.add(str(info[4][0]))
    usable = []
    for text in found:
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            continue
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            continue
        usable.append(address)
    usable.sort(key=lambda a: (a.version, a.packed))
    return [str(a) for a in usable]


def format_address(host: str, port: int) -> str:
    """ "host:port", with IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def shareable_addresses(listen_host: str, port: int) -> list[str]:
    """The "ip:port" strings a host can give to others, never "0.0.0.0".

    Listening on every interface offers every LAN address; listening on one address offers
    that one. Loopback is offered last, for trying it on this machine alone.
    """
    if listen_host in ("", "0.0.0.0", "::"):
        ips = [ip for ip in lan_addresses() if listen_host == "::" or ":" not in ip]
        ips = ips or ["127.0.0.1"]
    else:
        ips = [listen_host]
    return [format_address(ip, port) for ip in ips]
