"""This machine's network cards, and the rule for which of them discovery uses.

Discovery (net/discovery.py) and the connection doctor (net/doctor.py) both need more than
`lan.lan_addresses()`: each address's card, its netmask, whether the card is up, and whether
it is a VPN or virtual card. `ifaddr` (a dependency of python-zeroconf) reads them on every OS.

The rule, in `discovery_adapters()`:
1. `--discovery-interface IFACE` names the card (or one of its addresses): it is used whatever
   it is (even `lo`), because the person or the test chose it.
2. A host listening on one address uses the card that holds it; on loopback, that is `lo`, so a
   room made for this machine alone is still found on this machine.
3. Otherwise only IPv4 addresses of cards that are up, without loopback (127/8) nor
   link-local (169.254/16, which a card gets when DHCP failed and which nobody else can reach).
4. VPN and virtual cards (tun, tap, wg, docker, vEthernet, VirtualBox, VMware...) are left out
   when a physical card remains, and used only when they are all there is. Advertising on them
   is how users see rooms at addresses they cannot reach (NOTES.md: LocalSend and ipmsg
   issues); putting them "last" would not help, since every address is shown. A machine that
   is only on a VM bridge or a VPN (a VM, a remote office) still works.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

# Linux interface names (prefixes) and Windows/macOS descriptions of VPN and virtual cards.
_VIRTUAL_NAME_PREFIXES = (
    "tun",
    "tap",
    "wg",
    "utun",
    "ppp",
    "ipsec",
    "docker",
    "br-",
    "veth",
    "virbr",
    "vmnet",
    "vboxnet",
    "zt",
    "tailscale",
    "lxc",
    "lxd",
    "podman",
    "cni",
    "flannel",
    "awdl",
    "llw",
    "bridge",
)
_VIRTUAL_DESCRIPTION_WORDS = (
    "vethernet",
    "hyper-v",
    "virtualbox",
    "vmware",
    "tap-windows",
    "wireguard",
    "openvpn",
    "tailscale",
    "zerotier",
    "wintun",
    "vpn",
    "virtual",
    "loopback",
    "wsl",
    "docker",
)
# Linux: the administrative "up" flag in /sys/class/net/<name>/flags, and the link states in
# .../operstate that mean a link ("unknown" is what loopback and dummy cards report).
_IFF_UP = 0x1
_LINK_STATES = ("up", "unknown")


@dataclass(frozen=True)
class Adapter:
    """One IPv4 address of one network card."""

    name: str  # "eth0", or on Windows the adapter's GUID-like name
    label: str  # what people recognise: "Wi-Fi", "Ethernet", "vEthernet (WSL)"
    ip: str
    prefix: int  # netmask length
    up: bool
    virtual: bool

    @property
    def address(self) -> ipaddress.IPv4Address:
        return ipaddress.IPv4Address(self.ip)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.ip}/{self.prefix}", strict=False)

    @property
    def netmask(self) -> str:
        return str(self.network.netmask)

    @property
    def broadcast(self) -> str:
        """Where a subnet broadcast goes; loopback's 127.255.255.255 works on `lo`."""
        return str(self.network.broadcast_address)

    @property
    def loopback(self) -> bool:
        return self.address.is_loopback

    @property
    def link_local(self) -> bool:
        return self.address.is_link_local

    def matches(self, interface: str) -> bool:
        """Whether `interface` (a card's name or description, or this address) is this one."""
        wanted = interface.strip().casefold()
        return wanted in (self.name.casefold(), self.label.casefold(), self.ip)


def all_adapters() -> list[Adapter]:
    """Every IPv4 address of every card, up or down (empty if the OS will not tell)."""
    import ifaddr

    found = []
    try:
        cards = ifaddr.get_adapters()
    except OSError:
        return []
    for card in cards:
        name = str(card.name)
        label = str(card.nice_name or name)
        for ip in card.ips:
            if not isinstance(ip.ip, str):  # IPv6 addresses are tuples
                continue
            found.append(
                Adapter(
                    name=name,
                    label=label,
                    ip=ip.ip,
                    prefix=int(ip.network_prefix),
                    up=_is_up(name),
                    virtual=is_virtual(name, label),
                )
            )
    return found


def is_virtual(name: str, label: str) -> bool:
    """Whether a card looks like a VPN, a VM bridge or a container network."""
    lowered = name.casefold()
    if lowered.startswith(_VIRTUAL_NAME_PREFIXES):
        return True
    description = label.casefold()
    return any(word in description for word in _VIRTUAL_DESCRIPTION_WORDS)


def usable_lan(adapters: list[Adapter]) -> list[Adapter]:
    """Rules 3 and 4: the cards others on the LAN can reach, best first."""
    lan = [a for a in adapters if a.up and not a.loopback and not a.link_local]
    physical = [a for a in lan if not a.virtual]
    chosen = physical or lan
    # Private ranges (192.168/16, 10/8, 172.16/12) are what a LAN uses; a public address on a
    # card is more often a tunnel or a provider's box in bridge mode.
    return sorted(chosen, key=lambda a: (not a.address.is_private, a.address.packed))


def discovery_adapters(
    listen_host: str = "0.0.0.0", interface: str | None = None, *, adapters=None
) -> list[Adapter]:
    """The addresses to advertise and browse on, best first (the module docstring's rule)."""
    cards = all_adapters() if adapters is None else adapters
    if interface:
        return [a for a in cards if a.matches(interface)]
    if listen_host not in ("", "0.0.0.0", "::"):
        try:
            wanted = ipaddress.ip_address(listen_host)
        except ValueError:
            wanted = None
        if wanted is not None and wanted.is_loopback:
            return [a for a in cards if a.loopback][:1]
        held = [a for a in cards if a.ip == listen_host]
        if held or wanted is not None:
            return held
    return usable_lan(cards)


def interface_exists(interface: str) -> bool:
    """Whether some card with an IPv4 address answers to `interface`."""
    return any(a.matches(interface) for a in all_adapters())


def _is_up(name: str) -> bool:
    """Whether the card is up with a link. Known on Linux; elsewhere assumed.

    On Windows and macOS a card without a link has no IPv4 address or only a link-local one,
    which rule 3 leaves out anyway.
    """
    if not sys.platform.startswith("linux"):
        return True
    folder = Path("/sys/class/net") / name
    try:
        flags = int((folder / "flags").read_text().strip(), 16)
        state = (folder / "operstate").read_text().strip()
    except (OSError, ValueError):
        return True
    return bool(flags & _IFF_UP) and state in _LINK_STATES
