"""The network core: the room server and the client, run on one asyncio thread per process.

Front ends use only `messagerie.net.session` (HostSession, JoinSession) and the events in
`messagerie.net.events`. Nothing here imports tkinter.
"""
