"""Replies stay within Slack's Block Kit limits: long answers split across sections, long questions shortened."""

from dataclasses import replace

import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_requests import button_click, mention, slack_over_http
from slack_standin import SlackStandIn, block_problems

from bot.adapters.slack.render import render_answer
from bot.core.replies import ANSWERED, Reply
from bot.knowledge_files import load_knowledge

ROTATION_QUESTION = "How do we rotate the zebra telemetry ingestion keys without ever dropping a single event?"
ARCHIVE_QUESTION = ("Where should we archive zebra telemetry events & raw <payload> dumps after ninety days of "
                    "retention?")


def write_knowledge(folder) -> None:
    point = "Rotate one zebra telemetry key at a time and keep the old key valid until every producer has moved on"
    entries = [
        {"id": "zebra-rotation", "question": ROTATION_QUESTION, "aliases": ["zebra telemetry key rotation"],
         "answer": [f"{number}. {point} & confirm <nothing> was dropped." for number in range(60)],
         "related": ["zebra-archive"]},
        {"id": "zebra-archive", "question": ARCHIVE_QUESTION, "answer": "Cold storage, with a lifecycle rule."},
        {"id": "zebra-encyclopedia", "question": "What is the complete zebra telemetry encyclopedia?",
         "aliases": ["the complete zebra telemetry encyclopedia"], "answer": ["word " * 400] * 200},
    ]
    folder.mkdir()
    (folder / "zebra.yaml").write_text(yaml.safe_dump({"title": "Zebras", "entries": entries}), encoding="utf-8")


def sections_of(message: dict) -> list[str]:
    return [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"]


async def test_long_answer_is_split_across_sections_slack_accepts(settings_for, tmp_path):
    write_knowledge(tmp_path / "zebra")
    async with slack_over_http(settings_for, KNOWLEDGE_PATH=str(tmp_path / "zebra")) as (slack, bot, http):
        await http.send_event(mention("zebra telemetry key rotation", ts="1.1"), event_id="Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        answer_text = bot.responder.knowledge.get("zebra-rotation").answer_text

    sections = sections_of(post)
    assert len(sections) > 1 and all(len(section) <= 3000 for section in sections)
    escaped = answer_text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "\n".join(sections) == f"*{ROTATION_QUESTION}*\n{escaped}"
    labels = [element["text"]["text"] for block in post["blocks"] if block.get("block_id") == "related"
              for element in block["elements"]]
    label = labels[0]  # the hand-picked related question comes first
    assert len(label) <= 75 and label.endswith("…")
    assert ARCHIVE_QUESTION.startswith(label[:-1]) and ARCHIVE_QUESTION[len(label) - 1] == " "


async def test_huge_answer_is_cut_to_fifty_blocks_and_can_still_be_voted_on(settings_for, tmp_path):
    write_knowledge(tmp_path / "zebra")
    async with slack_over_http(settings_for, KNOWLEDGE_PATH=str(tmp_path / "zebra")) as (slack, _bot, http):
        await http.send_event(mention("the complete zebra telemetry encyclopedia", ts="1.1"), event_id="Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        await http.send_click(button_click(post, "👍 Helpful", slack.response_url()))
        [update] = await slack.wait_for_calls("chat.update")

    assert len(post["blocks"]) <= 49 and len(update["blocks"]) <= 50
    assert sections_of(post)[-1].endswith("(answer cut short)")
    assert update["blocks"][-1]["block_id"] == "feedback_note"


def test_an_answer_naming_an_entry_with_a_huge_question_beside_it_stays_within_the_limits(tmp_path):
    write_knowledge(tmp_path / "zebra")
    knowledge = load_knowledge([tmp_path / "zebra"])
    huge = knowledge.get("zebra-encyclopedia")
    close = replace(knowledge.get("zebra-rotation"), question="Why zebra telemetry? " * 1000)
    reply = Reply(ANSWERED, entry=huge, alternatives=(close,), related=(knowledge.get("zebra-archive"),))
    message = render_answer(reply, question_id=7)
    assert block_problems(message["blocks"]) == []
    assert len(message["blocks"]) <= 49  # room for the thank-you note
    [also_close] = [block for block in message["blocks"] if block.get("block_id") == "also_close"]
    assert also_close["elements"][0]["text"].startswith("Not quite it? Also close: *Why zebra telemetry?")
    buttons = [element["value"] for block in message["blocks"] if block.get("block_id") == "related"
               for element in block["elements"]]
    assert buttons == ["7|zebra-rotation", "7|zebra-archive"]


async def test_the_stand_in_refuses_what_slack_refuses():
    # The tests above mean something only if the stand-in, like Slack, refuses a message over a limit.
    def button(text: str, number: int = 0) -> dict:
        return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": f"a{number}",
                "value": "v"}

    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    broken = {
        "button text": [{"type": "actions", "elements": [button("b" * 76)]}],
        "section text": [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}],
        "blocks": [section] * 51,
        "elements": [{"type": "actions", "elements": [button("b", number) for number in range(26)]}],
        "context text": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}],
    }
    async with SlackStandIn() as slack:
        client = AsyncWebClient(token="xoxb-1-test", base_url=slack.api_url)
        errors = {}
        for name, blocks in broken.items():
            with pytest.raises(SlackApiError) as refused:
                await client.chat_postMessage(channel="C1", text="t", blocks=blocks)
            errors[name] = refused.value.response["error"]
        accepted = await client.chat_postMessage(channel="C1", text="t", blocks=[section] * 50)

    assert set(errors.values()) == {"invalid_blocks"}
    assert accepted["ok"] is True
