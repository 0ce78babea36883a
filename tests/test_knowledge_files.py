"""Knowledge files load, and every problem in a broken one is reported with its file, entry and field."""

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
