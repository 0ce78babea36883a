"""What a question asks for (why, how, what-is, choose, when) decides between two entries on the same subject;
entries declare the intents they answer, and kb check names a wrong one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.intents import detect_intent
from bot.core.replies import ANSWERED, Responder
from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import closeness_for

COMMAND = str(Path(sys.executable).parent / "backend-bot")


@pytest.mark.parametrize("question, intent", [
    ("why do we even need observability", "why"),
    ("what's the point of tracing", "why"),
    ("how do we add tracing to our services", "how"),
    ("what does idempotent mean", "what-is"),
    ("eli5 idempotency", "what-is"),
    ("serverless or kubernetes?", "choose"),
    ("which hosting should we pick", "choose"),
    ("when should we add a cache", "when"),
    ("our api falls over at peak", ""),
])
def test_the_intent_of_a_question_is_read_from_its_wording(question, intent):
    assert detect_intent(question) == intent


@pytest.fixture(scope="module", params=["lexical", "fused"])
def responder(request) -> Responder:
    return Responder(load_knowledge([shipped_folder()]), closeness_for if request.param == "fused" else None)


@pytest.mark.parametrize("question, entry_id", [
    ("what is an idempotent request", "what-is-idempotent"),
    ("how do I make my endpoint idempotent", "make-idempotent"),
    ("why bother with observability", "why-observability"),
    ("how do we add tracing and metrics to our services", "implement-observability"),
    ("should we host on vercel or kubernetes", "vercel-serverless-k8s-ec2"),
    ("how do we deploy our backend", "deploy-backend"),
    ("when should we use docker compose", "docker-compose"),
])
def test_intent_decides_between_entries_on_the_same_subject(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


def test_the_starter_pack_declares_intents_where_two_entries_share_a_subject():
    entries = load_knowledge([shipped_folder()]).by_id
    assert entries["what-is-idempotent"].intents == ("what-is", "why")
    assert entries["make-idempotent"].intents == ("how",)
    assert entries["why-observability"].intents[0] == "why"
    assert entries["implement-observability"].intents == ("how",)


def test_kb_check_names_an_intent_that_does_not_exist(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "entries:\n  - id: our-queue\n    question: How do we use our queue?\n    answer: Like this.\n"
        "    intents: [how, whom]\n")
    env = {key: value for key, value in os.environ.items() if key != "KNOWLEDGE_PATH"}
    result = subprocess.run([COMMAND, "kb", "check", str(tmp_path)], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode != 0
    assert (f"{tmp_path / 'team.yaml'}: entry 'our-queue' (#1): intents: has 'whom'; an intent is one of why, how, "
            "what-is, choose, when") in result.stdout + result.stderr
