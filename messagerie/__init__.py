"""Messagerie: a LAN instant messenger. Host a discussion or join one, in one executable."""

__version__ = "0.1.0"
