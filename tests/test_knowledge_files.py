"""Knowledge files load, and every problem in a broken one is reported with its file, entry and field."""

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.knowledge import KnowledgeError
from bot.knowledge_files import load_knowledge, shipped_folder

COMMAND = str(Path(sys.executable).parent / "backend-bot")
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


@pytest.fixture
def run(tmp_path):
    def run_command(*args: str, **variables: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_DATABASE")}
        env.update({"BOT_DATABASE": str(tmp_path / "bot.db"), **variables})
        return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)

    return run_command


def refusals(run, path) -> list[str]:
    """The problems `kb check path` names, once it and `ask` (with `path` in KNOWLEDGE_PATH) have both refused the
    knowledge the same way: exit 1, one line per problem, no traceback."""
    asked, checked = run("ask", "how to scale backend?", KNOWLEDGE_PATH=str(path)), run("kb", "check", str(path))
    assert asked.stderr == checked.stderr and asked.returncode == checked.returncode == 1 and asked.stdout == ""
    header, *lines = checked.stderr.splitlines()
    assert header == f"The knowledge has {len(lines)} problem(s):"
    return [line.strip() for line in lines]


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


def test_examples_in_an_entry_or_in_a_file_of_their_own_are_kept_and_an_unknown_id_is_named(tmp_path):
    (tmp_path / "team.yaml").write_text(
        "entries:\n  - id: ledger-export\n    question: How do I export the ledger for finance?\n    answer: x\n"
        "    examples: [the accountants want march's transactions as a spreadsheet]\n")
    (tmp_path / "team-examples.yaml").write_text(
        "examples:\n  ledger-export: [finance asked for a csv of every payment]\n"
        "  make-idempotent: [a customer tapped pay twice and paid twice]\n")
    knowledge = load_knowledge([shipped_folder(), tmp_path])
    assert knowledge.get("ledger-export").examples == ("the accountants want march's transactions as a spreadsheet",
                                                       "finance asked for a csv of every payment")
    assert knowledge.get("make-idempotent").examples[-1] == "a customer tapped pay twice and paid twice"
    (tmp_path / "more.yaml").write_text("examples:\n  no-such-entry: [anything]\n  ledger-export: [3]\n")
    assert problems_in(tmp_path) == [
        f"{tmp_path / 'more.yaml'}: entry 'ledger-export': examples: must be a list of non-empty strings",
        "knowledge: entry 'no-such-entry': examples: names unknown id 'no-such-entry'"]


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


@pytest.mark.parametrize("written_id", ["[a, b]", "{x: 1}"])
def test_an_entry_whose_id_is_a_list_or_a_mapping_is_one_line_naming_the_file_and_entry(run, tmp_path, written_id):
    (tmp_path / "team.yaml").write_text(f"entries:\n  - id: {written_id}\n    question: Ours?\n    answer: x\n")
    assert refusals(run, tmp_path) == [f"{tmp_path / 'team.yaml'}: entry #1: id: must be a lower-case slug like "
                                       "'make-idempotent'"]


def test_a_field_named_by_a_number_beside_a_misspelt_one_names_both(tmp_path):
    (tmp_path / "team.yaml").write_text("entries:\n  - id: team-a\n    question: Q?\n    answer: x\n    1: one\n"
                                        "    colour: blue\n")
    found = problems_in(tmp_path)
    assert [line.split(": is not a known field")[0] for line in found] == [
        f"{tmp_path / 'team.yaml'}: entry 'team-a' (#1): 1", f"{tmp_path / 'team.yaml'}: entry 'team-a' (#1): colour"]


def test_a_symlink_loop_named_as_knowledge_is_one_line_naming_the_file(run, tmp_path):
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop.yaml")
    (found,) = refusals(run, tmp_path / "loop.yaml")
    assert found.startswith(f"{tmp_path / 'loop.yaml'}: cannot be read: [Errno {errno.ELOOP}]")


def test_a_knowledge_folder_that_cannot_be_listed_is_one_line_naming_it(run, tmp_path):
    # Tests run as root, where chmod 000 does not stop a folder being listed; a name longer than the file system
    # allows makes the same calls (is the path a folder? what is in it?) fail with an OSError instead.
    folder = tmp_path / ("x" * 300)
    (found,) = refusals(run, folder)
    assert found.startswith(f"{folder}: cannot be read: [Errno {errno.ENAMETOOLONG}]")


def test_a_folder_without_knowledge_files_is_named_alone_and_warned_about_beside_other_knowledge(run, tmp_path):
    empty = tmp_path / "team"
    empty.mkdir()
    checked = run("kb", "check", str(empty))
    assert checked.returncode == 1
    assert checked.stderr.splitlines()[1:] == [f"  {empty}: holds no knowledge files (.yaml or .yml)"]
    asked = run("ask", "how to scale backend?", KNOWLEDGE_PATH=str(empty))
    assert asked.returncode == 0 and asked.stdout.startswith("How do I scale a backend?")
    assert f"the knowledge folder {empty} holds no knowledge files (.yaml or .yml)" in asked.stderr
