"""A small org.freedesktop.Notifications daemon for the tests, on a private session bus.

Run as `dbus-run-session -- python notification_daemon.py RECORD READY [--click]`: it serves
the notification interface, appends each notification it receives to RECORD as a JSON line,
writes the bus address to READY once it owns the name, and with --click answers each
notification with an ActionInvoked "default" signal, as a person clicking it would. It stops
when its standard input is closed (dbus-run-session then ends the bus).
"""

import asyncio
import json
import os
import sys

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Notifications(ServiceInterface):
    # dbus-fast reads the D-Bus signatures from the annotations ("as", "a{sv}", "u").

    def __init__(self, record: str, click: bool) -> None:
        super().__init__(NAME)
        self.record = record
        self.click = click
        self.last_id = 0

    @method()
    def GetCapabilities(self) -> "as":
        return ["body", "actions"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["messagerie-test-daemon", "messagerie", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.last_id += 1
        entry = {"id": self.last_id, "app": app_name, "summary": summary, "body": body}
        entry["actions"] = list(actions)
        with open(self.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if self.click:
            asyncio.get_running_loop().call_later(0.2, self.ActionInvoked, self.last_id, "default")
        return self.last_id

    @method()
    def CloseNotification(self, notification_id: "u") -> None:
        self.NotificationClosed(notification_id, 3)

    @signal()
    def NotificationClosed(self, notification_id, reason) -> "uu":
        return [notification_id, reason]

    @signal()
    def ActionInvoked(self, notification_id, action_key) -> "us":
        return [notification_id, action_key]


async def main(record: str, ready: str, click: bool) -> None:
    bus = await MessageBus().connect()
    bus.export(PATH, Notifications(record, click))
    await bus.request_name(NAME)
    with open(ready + ".tmp", "w", encoding="utf-8") as f:
        f.write(os.environ["DBUS_SESSION_BUS_ADDRESS"])
    os.replace(ready + ".tmp", ready)
    # Serve until the test closes our standard input.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    bus.disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], "--click" in sys.argv[3:]))
