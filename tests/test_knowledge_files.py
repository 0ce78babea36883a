"""Knowledge files load, and every problem in a broken one is reported with its file, entry and field."""

import os
import time

import pytest

from bot.core.knowledge import KnowledgeError
from bot.knowledge_files import load_knowledge, shipped_folder

STARTER_IDS = {
    "scale-backend", "optimize-db-queries", "what-is-idempotent", "make-idempotent", "fault-tolerant",
    "webhook-not-arriving", "document-architecture", "when-state-machine", "data-consistency", "test-backend",
    "event-driven", "decouple-backend", "cicd", "why-observability", "implement-observability", "deploy-backend",
    "data-modelling", "docker-compose", "db-migrations", "when-cache", "eventual-consistency",
    "distributed-systems", "external-apis", "concurrency-shared-resource", "rest-vs-graphql", "security",
    "vercel-serverless-k8s-ec2",
}


def problems_in(folder) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([shipped_folder(), folder])
    return [str(problem) for problem in caught.value.problems]


def test_every_shipped_knowledge_file_loads_with_the_27_starter_ids():
    knowledge = load_knowledge([shipped_folder()])
    assert {entry.id for entry in knowledge.entries} == STARTER_IDS
    assert all(entry.aliases and entry.tags and entry.answer for entry in knowledge.entries)


def test_the_starter_pack_names_its_source():
    knowledge = load_knowledge([shipped_folder()])
    source = knowledge.sources[0]
    assert "sibelius" in source["source"] and "sibelius" in source["attribution"].lower()


def test_every_button_label_fits_slack_and_discord_without_cutting_a_word():
    for entry in load_knowledge([shipped_folder()]).entries:
        label = entry.short_label
        assert len(label) <= 75
        assert label.rstrip("…").split()[-1] in entry.question or entry.label


def test_a_broken_file_reports_every_problem_at_once_with_file_entry_and_field(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "entries:\n"
        "  - id: our-queue\n    question: How do we use our queue?\n    answer: ''\n"
        "  - id: our-deploy\n    question: How do we deploy?\n    answer: Push to main.\n    related: [nowhere]\n"
        "  - id: scale-backend\n    question: Again?\n    answer: Twice.\n"
        "  - question: No id here\n    answer: x\n    colour: blue\n"
    )
    found = problems_in(tmp_path)
    team = str(tmp_path / "team.yaml")
    assert f"{team}: entry 'our-queue' (#1): answer: is missing or empty (text or a list of points)" in found
    assert f"{team}: entry 'our-deploy': related: names unknown id 'nowhere'" in found
    assert any(line.startswith(f"{team}: entry 'scale-backend': id: is already used in") for line in found)
    assert f"{team}: entry #4: id: must be a lower-case slug like 'make-idempotent'" in found
    assert any(line.startswith(f"{team}: entry #4: colour: is not a known field") for line in found)
    assert len(found) == 5


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("entries:\n  - id: a\n    question: [unclosed\n")
    (found,) = problems_in(tmp_path)
    assert found.startswith(f"{tmp_path / 'bad.yaml'}: is not valid YAML at line")


def test_a_file_without_an_entries_list_is_named(tmp_path):
    (tmp_path / "notes.yml").write_text("- just a list\n")
    assert problems_in(tmp_path) == [f"{tmp_path / 'notes.yml'}: entries: the file must be a mapping with an 'entries' list"]


def test_extra_knowledge_is_answered_beside_the_starter_pack(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "title: Team\nentries:\n  - id: on-call-rota\n    question: Who is on call this week?\n"
        "    answer: [Check the PagerDuty schedule, Ask in the ops channel]\n    related: [implement-observability]\n")
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    assert len(knowledge.entries) == 28
    assert knowledge.get("on-call-rota").answer == ("Check the PagerDuty schedule", "Ask in the ops channel")


def test_an_alias_bomb_is_refused_by_kb_check_in_well_under_a_second(tmp_path):
    repeated = ", ".join(["*a"] * 200_000)
    (tmp_path / "bomb.yaml").write_text(
        f"entries:\n  - id: bomb\n    question: Boom?\n    answer: x\n    aliases: [&a 'same words', {repeated}]\n")
    started = time.monotonic()
    found = problems_in(tmp_path)
    assert time.monotonic() - started < 5  # the cap stops it before indexing: not a speed figure, a guard
    assert found == [f"{tmp_path / 'bomb.yaml'}: entry 'bomb' (#1): aliases: has 200001 items; at most 300 are allowed"]


def test_an_id_too_long_for_a_button_is_named(tmp_path):
    long_id = "-".join(["word"] * 15)
    (tmp_path / "long.yaml").write_text(f"entries:\n  - id: {long_id}\n    question: Long?\n    answer: x\n")
    assert problems_in(tmp_path) == [f"{tmp_path / 'long.yaml'}: entry '{long_id}' (#1): id: is longer than 60 "
                                     "characters, which buttons cannot carry"]


def test_a_fifo_is_named_instead_of_read_and_one_file_by_two_paths_is_read_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    assert problems_in(tmp_path / "pipe.yaml") == [f"{tmp_path / 'pipe.yaml'}: is not a regular file"]
    os.unlink(tmp_path / "pipe.yaml")
    (tmp_path / "team.yaml").write_text("entries:\n  - id: team-thing\n    question: Ours?\n    answer: x\n")
    (tmp_path / "link").symlink_to(tmp_path)
    knowledge = load_knowledge([shipped_folder(), tmp_path, tmp_path / "link" / "team.yaml"])
    assert len(knowledge.entries) == 28


def test_a_team_file_named_like_the_starter_pack_replaces_it(tmp_path):
    edited = (shipped_folder() / "backend.yaml").read_text().replace("How do I scale a backend?",
                                                                      "How do we scale our backend?")
    (tmp_path / "backend.yaml").write_text(edited)
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    assert len(knowledge.entries) == 27
    assert knowledge.get("scale-backend").question == "How do we scale our backend?"


def test_an_entrys_source_link_wins_over_its_files_and_a_bad_link_is_named(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "source: https://wiki.example.com/team\nentries:\n"
        "  - id: team-a\n    question: Ours?\n    answer: x\n"
        "  - id: team-b\n    question: Theirs?\n    answer: y\n    source: https://wiki.example.com/b\n")
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    assert knowledge.get("team-a").source == "https://wiki.example.com/team"
    assert knowledge.get("team-b").source == "https://wiki.example.com/b"
    (tmp_path / "team.yaml").write_text("entries:\n  - id: team-c\n    question: Q?\n    answer: x\n"
                                        "    source: javascript:alert(1)\n")
    assert problems_in(tmp_path) == [f"{tmp_path / 'team.yaml'}: entry 'team-c' (#1): source: must be an http(s) link"]
