"""What the Discord stand-in sends and checks: ids, gateway and REST payloads, and Discord's message limits."""

import base64
import json
import re

from aiohttp import web

BOT_ID = 1100000000000000001
GUILD_ID = 2200000000000000002
CHANNEL_ID = 3300000000000000003
DM_CHANNEL_ID = 3300000000000000009
ALICE = {"id": "4400000000000000004", "username": "alice", "global_name": "Alice", "discriminator": "0",
         "avatar": None}
OTHER_BOT = {"id": "5500000000000000005", "username": "otherbot", "discriminator": "0", "avatar": None, "bot": True}
BOT_USER = {"id": str(BOT_ID), "username": "backend-bot", "discriminator": "0", "avatar": None, "bot": True}
TOKEN = base64.b64encode(str(BOT_ID).encode()).decode().rstrip("=") + ".GstAnd.in-secret-part"
ATTACHMENT_LIMIT = 10 * 1024 * 1024
EPOCH = "2026-01-05T09:00:00.000000+00:00"
# View Channel only: what an ordinary member has. Manage Server is 1 << 5.
MEMBER_PERMISSIONS = str(1 << 10)
# What the invite link grants: View Channels, Send Messages (and in threads), Embed Links, Read Message History.
BOT_PERMISSIONS = "274877991936"
# Discord's JSON error codes for a channel the bot cannot see or that is gone, and for a deleted message.
MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}


def as_json(payload, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json, without a charset.
    return web.Response(status=status, body=json.dumps(payload).encode(), headers={
        "Content-Type": "application/json", **(headers or {})})


def bad_form_body(problems: list[str]) -> web.Response:
    """A 400 shaped like Discord's: errors keyed by the field's path, each with a list of `_errors`."""
    errors = {}
    for problem in problems:
        path, _, message = problem.partition(": ")
        errors.setdefault(path, {"_errors": []})["_errors"].append({"code": "BASE_TYPE_MAX_LENGTH", "message": message})
    return as_json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, status=400)


def problems_with_message(body: dict) -> list[str]:
    """What Discord would reject in a message body, as it does with a 400 Invalid Form Body."""
    problems = []
    if len(body.get("content") or "") > 2000:
        problems.append("content: must be 2000 or fewer in length")
    for number, embed in enumerate(body.get("embeds") or []):
        problems += [f"embeds.{number}.{problem}" for problem in problems_with_embed(embed)]
    rows = body.get("components") or []
    if len(rows) > 5:
        problems.append("components: must be 5 or fewer in length")
    custom_ids = []
    for number, row in enumerate(rows):
        buttons = row.get("components", [])
        if len(buttons) > 5:
            problems.append(f"components.{number}.components: must be 5 or fewer in length")
        for button in buttons:
            if len(button.get("label") or "") > 80:
                problems.append(f"components.{number}: label must be 80 or fewer in length")
            if len(button.get("custom_id") or "") > 100:
                problems.append(f"components.{number}: custom_id must be 100 or fewer in length")
            custom_ids.append(button.get("custom_id"))
    if len([item for item in custom_ids if item]) != len({item for item in custom_ids if item}):
        problems.append("components: custom_id values must be unique")
    return problems


def problems_with_embed(embed: dict) -> list[str]:
    limits = {"title": 256, "description": 4096}
    problems = [f"{key}: must be {limit} or fewer in length"
                for key, limit in limits.items() if len(embed.get(key) or "") > limit]
    footer = (embed.get("footer") or {}).get("text") or ""
    if len(footer) > 2048:
        problems.append("footer.text: must be 2048 or fewer in length")
    author = (embed.get("author") or {}).get("name") or ""
    if len(author) > 256:
        problems.append("author.name: must be 256 or fewer in length")
    fields = embed.get("fields") or []
    for field_ in fields:
        if len(field_.get("name") or "") > 256 or len(field_.get("value") or "") > 1024:
            problems.append("fields: name must be 256 or fewer and value 1024 or fewer in length")
    total = sum(len(embed.get(key) or "") for key in limits) + len(footer) + len(author)
    total += sum(len(field_.get("name") or "") + len(field_.get("value") or "") for field_ in fields)
    if total > 6000:
        problems.append("size: all embed text must be 6000 or fewer in length")
    return problems


def problems_with_commands(commands: list[dict]) -> list[str]:
    problems = []
    for command in commands:
        for item in [command, *command.get("options", []), *[
                sub for option in command.get("options", []) for sub in option.get("options", [])]]:
            if not re.fullmatch(r"[-_a-z0-9]{1,32}", item.get("name", "")):
                problems.append(f"{item.get('name')!r}: name must be 1-32 lowercase characters")
            if not 1 <= len(item.get("description", "")) <= 100:
                problems.append(f"{item.get('name')!r}: description must be 1-100 characters")
    return problems


def application() -> dict:
    return {"id": str(BOT_ID), "name": "backend-bot", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "owner": ALICE, "verify_key": "00" * 32, "flags": 0,
            "interactions_endpoint_url": None}


def guild() -> dict:
    return {
        "id": str(GUILD_ID), "name": "Backend team", "unavailable": False, "member_count": 3, "owner_id": ALICE["id"],
        "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "1024", "position": 0, "color": 0,
                   "hoist": False, "managed": False, "mentionable": False}],
        "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "backend", "position": 0, "guild_id": str(GUILD_ID),
                      "permission_overwrites": [], "nsfw": False, "parent_id": None}],
        "members": [], "threads": [], "emojis": [], "stickers": [], "features": [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "large": False, "joined_at": EPOCH,
    }


def member(user: dict) -> dict:
    return {"roles": [], "joined_at": EPOCH, "deaf": False, "mute": False, "flags": 0}


def message_payload(message_id: str, channel: str, author: dict, content: str) -> dict:
    return {"id": message_id, "channel_id": channel, "author": author, "content": content, "timestamp": EPOCH,
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "components": [], "pinned": False, "type": 0, "flags": 0}


def interaction_payload(interaction: str, kind: int, data: dict, user: dict,
                        permissions: str = MEMBER_PERMISSIONS, app_permissions: str = BOT_PERMISSIONS) -> dict:
    """An interaction in the test server's channel; `permissions` are the member's, `app_permissions` the bot's."""
    return {
        "id": interaction, "application_id": str(BOT_ID), "type": kind, "data": data, "token": f"tok-{interaction}",
        "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
        "channel": {"id": str(CHANNEL_ID), "type": 0, "name": "backend", "guild_id": str(GUILD_ID), "position": 0,
                    "permission_overwrites": [], "nsfw": False, "parent_id": None},
        "member": {**member(user), "user": user, "permissions": permissions}, "app_permissions": app_permissions,
        "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {},
        "context": 0,
        # discord.py 2.7.1 reads this field unconditionally; an interaction without it fails to parse.
        "attachment_size_limit": ATTACHMENT_LIMIT,
    }
