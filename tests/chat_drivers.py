"""One person's view of each platform, for the conformance suite: ask, click a button, type a command, and read
what comes back, through the platform's real library and its stand-in (the terminal through its own loop)."""

import itertools
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from discord_payloads import ALICE, CHANNEL_ID, GUILD_ID, MEMBER_PERMISSIONS
from discord_schedules import MONDAY_9 as DISCORD_MONDAY_9, SET_AT, person
from discord_standin import DiscordStandIn, running_client
from slack_requests import (ANN, BEN, BOT_TOKEN, CHANNEL, button_click, click_on, mention, slack_over_http,
                            slash_command)
from slack_scheduling import MONDAY_9, Clock

from bot.adapters.console import answer_line, follow_ups, render_text
from bot.adapters.slack.publisher import SlackPublisher
from bot.adapters.slack.transport import build_web_client
from bot.core.commands import ScheduleSpec
from bot.core.replies import ANSWERED, SUGGEST, Reply
from bot.wiring import build_bot, build_scheduler

MANAGE_SERVER = str(int(MEMBER_PERMISSIONS) | 1 << 5)
HELPFUL, NOT_HELPFUL, NONE_OF_THESE = "Helpful", "Not helpful", "None of these"


@dataclass
class Seen:
    """What a person sees of one reply: its words, and the labels of its buttons."""

    text: str
    buttons: list[str] = field(default_factory=list)
    raw: object = None


def pick(labels: list[str], wanted: str) -> str:
    """The button a person means by `wanted`: the same words, with or without the emoji in front."""
    for label in labels:
        if label == wanted or label.split(" ", 1)[-1] == wanted:
            return label
    raise AssertionError(f"no button {wanted!r} among {labels}")


class SlackChat:
    name = "slack"
    has_schedules = True

    def __init__(self, slack, bot, http, scheduler):
        self.slack, self.bot, self.http, self.scheduler = slack, bot, http, scheduler
        self.numbers = itertools.count(1)
        slack.add_user(ANN, "Ann", is_admin=True)
        slack.add_user(BEN, "Ben")

    async def ask(self, text: str, user: str = ANN) -> Seen:
        ts = f"1.{next(self.numbers)}"
        await self.http.send_event(mention(text, ts=ts, user=user), event_id=f"Ev{ts}")
        return self.seen(await self.slack.wait_for(lambda: next(
            (post for post in self.slack.successful("chat.postMessage") if post.get("thread_ts") == ts), None)))

    async def click(self, seen: Seen, label: str, user: str = ANN) -> Seen:
        before = len(self.shown())
        key = f"click{next(self.numbers)}"
        await self.http.send_click(button_click(seen.raw, pick(seen.buttons, label), self.slack.response_url(key),
                                                user))
        return self.seen(await self.slack.wait_for(lambda: len(self.shown()) > before and self.shown()[-1]))

    async def command(self, text: str, admin: bool) -> Seen:
        key = f"command{next(self.numbers)}"
        await self.http.send_command(slash_command(text, self.slack.response_url(key), user=ANN if admin else BEN))
        return self.seen(await self.slack.wait_for(lambda: next(
            (call.params for call in self.slack.calls if call.method == "response_url" and call.path == key), None)))

    async def teach(self, entry_id: str, question: str, admin: bool) -> Seen:
        return await self.command(f"teach {entry_id}: {question}", admin)

    async def post_digest(self) -> Seen:
        return await self.post_scheduled("digest")

    async def post_scheduled(self, kind: str) -> Seen:
        spec = ScheduleSpec("09:00", "UTC", "daily")
        self.scheduler.schedules.set_schedule("slack", CHANNEL, kind, spec, workspace="T0TEAM", now=SET_AT)
        assert await self.scheduler.run_once(MONDAY_9) == {"sent": 1}
        return self.seen(self.shown()[-1])

    async def click_as(self, seen: Seen, label: str, admin: bool) -> Seen:
        return await self.click(seen, label, ANN if admin else BEN)

    async def open_form(self, seen: Seen, label: str, admin: bool) -> Seen:
        """Clicks a button that opens a form: the form as Seen (its fields' words), or the note instead."""
        opened = len(self.slack.successful("views.open"))
        before = len(self.shown())
        key = f"form{next(self.numbers)}"
        await self.http.send_click(button_click(seen.raw, pick(seen.buttons, label), self.slack.response_url(key),
                                                ANN if admin else BEN))
        found = await self.slack.wait_for(lambda: (len(self.slack.successful("views.open")) > opened and "form")
                                          or (len(self.shown()) > before and "note"))
        if found == "note":
            return self.seen(self.shown()[-1])
        view = self.slack.successful("views.open")[-1]["view"]
        view = json.loads(view) if isinstance(view, str) else view
        self.form = view
        return Seen("\n".join(block["element"].get("initial_value", "") for block in view["blocks"]),
                    [], view)

    async def reopen_form(self, seen: Seen) -> Seen:
        """After errors Slack keeps the form open, with what was typed."""
        values = self.form.get("state", {}).get("values", {})
        return Seen("\n".join(value["value"]["value"] for value in values.values()), [], self.form)

    async def submit_form(self, fields: dict[str, str], admin: bool = True) -> Seen:
        """Submits the open form; errors come back in the HTTP answer, success as a note to the admin alone."""
        values = {name: {"value": {"type": "plain_text_input", "value": value}} for name, value in fields.items()}
        view = {**self.form, "id": "V0VIEW", "state": {"values": values}}
        self.form = view
        user = ANN if admin else BEN
        payload = {"type": "view_submission", "team": {"id": "T0TEAM"}, "user": {"id": user, "team_id": "T0TEAM"},
                   "api_app_id": "A0APP", "token": "unused", "trigger_id": "1.2.4", "view": view}
        notes = len(self.slack.successful("chat.postEphemeral"))
        answer = await self.http.send_click(payload)
        if answer.text:
            errors = json.loads(answer.text).get("errors", {})
            return Seen("\n".join(f"{name}: {message}" for name, message in errors.items()), [], errors)
        note = await self.slack.wait_for(lambda: len(self.slack.successful("chat.postEphemeral")) > notes and
                                         self.slack.successful("chat.postEphemeral")[-1])
        return Seen(note["text"], [], note)

    async def post_quiz(self) -> Seen:
        return await self.post_scheduled("quiz")

    async def click_quiz(self, seen: Seen, letter: str, user: str = ANN) -> Seen:
        block = next(block for block in seen.raw["blocks"] if block.get("block_id") == "quiz_answers")
        element = next(element for element in block["elements"] if element["action_id"].endswith(f"_{letter}"))
        key = f"quiz{next(self.numbers)}"
        await self.http.send_click(click_on(seen.raw, block, element, self.slack.response_url(key), user))
        return self.seen(await self.slack.wait_for(lambda: next(
            (call.params for call in self.slack.calls if call.method == "response_url" and call.path == key), None)))

    def shown(self) -> list[dict]:
        """Every message the bot posted, updated or sent by a response_url, in order."""
        return [{**call.params, **({"ts": call.answer["ts"]} if "ts" in call.answer else {})}
                for call in self.slack.calls
                if call.method in ("chat.postMessage", "chat.update", "response_url") and call.answer.get("ok", True)]

    @staticmethod
    def seen(message: dict) -> Seen:
        words, buttons = [message.get("text", "")], []
        for block in message.get("blocks", []):
            if "text" in block:
                words.append(block["text"]["text"])
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    buttons.append(element["text"]["text"])
                elif "text" in element:
                    words.append(element["text"])
        return Seen("\n".join(words), buttons, message)


class DiscordChat:
    name = "discord"
    has_schedules = True

    def __init__(self, server: DiscordStandIn, bot, scheduler):
        self.server, self.bot, self.scheduler = server, bot, scheduler

    async def ask(self, text: str, user: str = "") -> Seen:
        return await self.shown_for(await self.server.ask(text))

    async def click(self, seen: Seen, label: str, user: str = "") -> Seen:
        wanted = pick(seen.buttons, label)
        ids = self.server.button_ids(seen.raw)
        custom_id = ids[self.server.button_labels(seen.raw).index(wanted)]
        return await self.shown_for(await self.server.click(seen.raw, custom_id))

    async def command(self, text: str, admin: bool) -> Seen:
        kind, switch, *words = text.split()
        options = [{"name": "time", "type": 3, "value": words[0]}] + (
            [{"name": "timezone", "type": 3, "value": words[1]}] if len(words) > 1 else [])
        interaction = await self.server.run_command(kind, [{"name": switch, "type": 1, "options": options}],
                                                    user=ALICE if admin else person(7, "Ben"),
                                                    permissions=MANAGE_SERVER if admin else MEMBER_PERMISSIONS)
        return await self.shown_for(interaction)

    async def teach(self, entry_id: str, question: str, admin: bool) -> Seen:
        options = [{"name": "entry", "type": 3, "value": entry_id}, {"name": "question", "type": 3, "value": question}]
        interaction = await self.server.run_command("teach", options, user=ALICE if admin else person(7, "Ben"),
                                                    permissions=MANAGE_SERVER if admin else MEMBER_PERMISSIONS)
        return await self.shown_for(interaction)

    async def post_digest(self) -> Seen:
        return await self.post_scheduled("digest")

    async def post_scheduled(self, kind: str) -> Seen:
        spec = ScheduleSpec("09:00", "UTC", "daily")
        self.scheduler.schedules.set_schedule("discord", str(CHANNEL_ID), kind, spec, workspace=str(GUILD_ID),
                                              now=SET_AT)
        assert await self.scheduler.run_once(DISCORD_MONDAY_9) == {"sent": 1}
        return self.seen(self.server.messages[-1])

    def _as(self, admin: bool) -> dict:
        return {"user": ALICE if admin else person(7, "Ben"),
                "permissions": MANAGE_SERVER if admin else MEMBER_PERMISSIONS}

    async def _click_as(self, seen: Seen, label: str, admin: bool) -> str:
        wanted = pick(seen.buttons, label)
        custom_id = self.server.button_ids(seen.raw)[self.server.button_labels(seen.raw).index(wanted)]
        return await self.server.click(seen.raw, custom_id, **self._as(admin))

    async def click_as(self, seen: Seen, label: str, admin: bool) -> Seen:
        return await self.shown_for(await self._click_as(seen, label, admin))

    async def open_form(self, seen: Seen, label: str, admin: bool) -> Seen:
        interaction = await self._click_as(seen, label, admin)
        callback = await self.server.callback_for(interaction)
        if callback["type"] != 9:
            return await self.shown_for(interaction)
        self.form = callback["data"]
        inputs = [item for row in self.form["components"] for item in row["components"]]
        return Seen("\n".join(item.get("value") or "" for item in inputs), [], self.form)

    async def reopen_form(self, seen: Seen) -> Seen:
        """Discord cannot show errors in a form: the note's button opens it again with what was typed."""
        return await self.open_form(seen, "Fix the entry", admin=True)

    async def submit_form(self, fields: dict[str, str], admin: bool = True) -> Seen:
        interaction = await self.server.submit_modal(self.form["custom_id"], fields, **self._as(admin))
        return await self.shown_for(interaction)

    async def post_quiz(self) -> Seen:
        return await self.post_scheduled("quiz")

    async def click_quiz(self, seen: Seen, letter: str, user: str = "") -> Seen:
        custom_id = next(item for item in self.server.button_ids(seen.raw) if item.endswith(f":{letter}"))
        return await self.shown_for(await self.server.click(seen.raw, custom_id))

    async def shown_for(self, interaction: str) -> Seen:
        """The interaction's answer: its own message, or (when the bot deferred) the follow-up after it."""
        return self.seen(await self.server.answer_for(interaction))

    def seen(self, message: dict) -> Seen:
        words = [message.get("content") or ""]
        for embed in message.get("embeds", []):
            words += [embed.get("title", ""), embed.get("url", ""), embed.get("description", ""),
                      embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
            words += [f"{field['name']} {field['value']}" for field in embed.get("fields", [])]
        labels = self.server.button_labels(message) if message.get("components") else []
        return Seen("\n".join(word for word in words if word), labels, message)


class ConsoleChat:
    """The terminal: what `backend-bot chat` does with each line typed, and what it prints."""

    name = "console"
    has_schedules = False  # the terminal has no channel to post in; its quiz is `backend-bot quiz`

    def __init__(self, bot):
        self.bot = bot
        self.last: Reply | None = None

    async def ask(self, text: str, user: str = "ann") -> Seen:
        return await self.type(text, user)

    async def click(self, seen: Seen, label: str, user: str = "ann") -> Seen:
        if label in (HELPFUL, NOT_HELPFUL, NONE_OF_THESE):
            return await self.type({HELPFUL: "+", NOT_HELPFUL: "-", NONE_OF_THESE: "0"}[label], user)
        return await self.type(str(seen.buttons.index(label) + 1), user)

    async def type(self, text: str, user: str) -> Seen:
        reply = await answer_line(self.bot.service, text, self.last, user)
        if isinstance(reply, Reply):
            self.last = reply
        buttons = [entry.short_label for entry in follow_ups(reply)]
        if isinstance(reply, Reply) and reply.status == ANSWERED:
            buttons += [HELPFUL, NOT_HELPFUL]
        if isinstance(reply, Reply) and reply.status == SUGGEST:
            buttons.append(NONE_OF_THESE)
        return Seen(render_text(reply), buttons, reply)


@asynccontextmanager
async def chat_on(platform: str, settings_for):
    """(a person's view of `platform`, the bot behind it)."""
    if platform == "slack":
        async with slack_over_http(settings_for, clock=Clock(MONDAY_9)) as (slack, bot, http):
            client = build_web_client(BOT_TOKEN, slack.api_url)
            yield SlackChat(slack, bot, http, build_scheduler(bot, {"slack": SlackPublisher(client)})), bot
    elif platform == "discord":
        server = await DiscordStandIn().start()
        bot = build_bot(settings_for(**server.variables()), clock=Clock(DISCORD_MONDAY_9))
        scheduler = build_scheduler(bot)
        try:
            async with running_client(bot, scheduler):
                yield DiscordChat(server, bot, scheduler), bot
        finally:
            bot.close()
            await server.close()
    else:
        bot = build_bot(settings_for())
        try:
            yield ConsoleChat(bot), bot
        finally:
            bot.close()
