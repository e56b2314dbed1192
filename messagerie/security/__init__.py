"""Who we are and whom we trust: the TLS identity, pinned hosts, the room password."""
