"""The stand-in Discord's gateway half: the session (identify, heartbeat, resume) and the events people cause."""

import json
import time

from aiohttp import WSMsgType, web

from discord_payloads import (ALICE, BOT_ID, BOT_PERMISSIONS, BOT_USER, CHANNEL_ID, DM_CHANNEL_ID, GUILD_ID,
                              MEMBER_PERMISSIONS, guild, interaction_payload, member, message_payload)


class DiscordGateway:
    """Mixed into DiscordStandIn, which supplies next_id, wait_until, _note, commands, callbacks and gateway_url."""

    def __init__(self):
        self.identifies: list[dict] = []
        self.resumes: list[dict] = []
        self.dispatched_at: dict[str, float] = {}
        self.session_id = "standin-session-1"
        self.socket: web.WebSocketResponse | None = None
        self.sequence = 0
        self.offline = False
        # Discord sends a bot's events to every session it has open (two processes with one token both get
        # them): with `to_every_session`, so does the stand-in. By default only the newest session hears.
        self.to_every_session = False
        self.sockets: list[web.WebSocketResponse] = []

    async def go_offline(self) -> None:
        """The gateway drops the bot's connection and refuses new ones, as in an outage or a partition."""
        self.offline = True
        if self.socket is not None:
            await self.socket.close()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.offline:
            return web.Response(status=503, text="gateway unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        self.sockets.append(socket)
        # Frames go out as uncompressed text, which discord.py reads whatever compression it asked for.
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                await self._on_frame(socket, json.loads(frame.data))
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, frame: dict) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            await socket.send_json({"op": 11})
        elif op == 2:
            self.identifies.append(data)
            self.sequence = 0
            await self.dispatch("READY", {
                "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": self.session_id, "resume_gateway_url": self.gateway_url,
                "application": {"id": str(BOT_ID), "flags": 0}})
            await self.dispatch("GUILD_CREATE", guild())
        elif op == 6:
            self.resumes.append(data)
            if data.get("session_id") == self.session_id:
                await self.dispatch("RESUMED", {})
            else:
                await socket.send_json({"op": 9, "d": False})
        await self._note()

    async def dispatch(self, event: str, data: dict) -> None:
        self.sequence += 1
        frame = {"op": 0, "t": event, "s": self.sequence, "d": data}
        if not self.to_every_session or event in ("READY", "GUILD_CREATE"):
            await self.socket.send_json(frame)
            return
        for socket in self.sockets:
            if socket.closed:
                continue
            try:
                await socket.send_json(frame)
            except ConnectionResetError:
                pass  # a session closing as the event goes out (a holder that lost its lease) never receives it

    async def send_raw(self, frame: dict) -> None:
        await self.socket.send_json(frame)

    async def ask_to_reconnect(self) -> None:
        await self.socket.send_json({"op": 7, "d": None})

    async def post_message(self, content: str, *, author: dict = ALICE, in_dm: bool = False,
                           mentions_bot: bool = True, mention_everyone: bool = False) -> dict:
        channel = DM_CHANNEL_ID if in_dm else CHANNEL_ID
        message = message_payload(self.next_id(), str(channel), author, content)
        message.update({"mentions": [BOT_USER] if mentions_bot else [], "mention_everyone": mention_everyone})
        if not in_dm:
            message.update({"guild_id": str(GUILD_ID), "member": member(author)})
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def run_command(self, name: str, options: list[dict], user: dict = ALICE,
                          permissions: str = MEMBER_PERMISSIONS, app_permissions: str = BOT_PERMISSIONS) -> str:
        """Runs a slash command as `user`, a member with `permissions` in the channel, where the bot has
        `app_permissions`."""
        command = next((item for stored in self.commands.values() for item in stored if item["name"] == name),
                       {"id": self.next_id()})
        data = {"id": command["id"], "name": name, "type": 1, "options": options}
        return await self._interact(2, data, user, permissions=permissions, app_permissions=app_permissions)

    async def ask(self, question: str, user: dict = ALICE) -> str:
        return await self.run_command("ask", [{"name": "question", "type": 3, "value": question}], user)

    async def click(self, message: dict, custom_id: str, user: dict = ALICE, **permissions: str) -> str:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, user, message=message, **permissions)

    async def submit_modal(self, custom_id: str, values: dict[str, str], user: dict = ALICE,
                           **permissions: str) -> str:
        """The MODAL_SUBMIT interaction for a form the bot opened: one text input per row, as Discord sends."""
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]}
                for name, value in values.items()]
        return await self._interact(5, {"custom_id": custom_id, "components": rows}, user, **permissions)

    async def _interact(self, kind: int, data: dict, user: dict, message: dict | None = None,
                        **permissions: str) -> str:
        interaction = self.next_id()
        payload = interaction_payload(interaction, kind, data, user, **permissions)
        if message is not None:
            payload["message"] = message
        self.dispatched_at[interaction] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def callback_for(self, interaction: str) -> dict:
        return await self.wait_until(lambda: self.callbacks.get(interaction))

    async def autocomplete(self, name: str, subcommand: str, options: list[dict], user: dict = ALICE) -> str:
        """Types into a subcommand's option: the one marked `"focused": True` is what Discord asks choices for."""
        command = next(item for stored in self.commands.values() for item in stored if item["name"] == name)
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": subcommand, "type": 1, "options": options}]}
        return await self._interact(4, data, user)
