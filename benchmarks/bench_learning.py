"""The learning curve: replay two weeks of a team's chat, teach week 1's misses the way an admin would from the
weekly review, and measure week 2 before and after, beside the questions that were never taught.

The stream (questions/learning-stream.jsonl) was written by someone who saw neither the knowledge nor any other
question set: 40 needs the team keeps asking in its own words (two phrasings in week 1, three more in week 2),
40 one-off questions and 30 out-of-scope chat lines. Run from the repository's root:

    .venv/bin/python benchmarks/bench_learning.py [--json]
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.config import load_settings
from bot.core.commands import Place
from bot.core.evaluation import Evaluation, evaluate, percent
from bot.core.replies import ANSWERED, SUGGEST, Request
from bot.core.review import review_items
from bot.review import build_review
from bot.core.review import IGNORE
from bot.storage.learned import normalized
from bot.wiring import build_bot

STREAM = Path(__file__).parent / "questions" / "learning-stream.jsonl"
WEEK_1 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
ADMIN = Place("slack", "C0ADMIN", "U0ADMIN")


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def always() -> bool:
    return True


async def replay_week_one(bot, lines: list[dict], clock: Clock) -> dict[str, int]:
    """Each line asked by its own person, who reacts as people do: picks the right suggestion when offered,
    says none of these fit, or votes a wrong answer down."""
    reactions = {"picked": 0, "none of these": 0, "voted down": 0}
    for number, line in enumerate(lines):
        clock.now = WEEK_1 + timedelta(minutes=20 * number)
        user = f"U{number:03d}"
        reply = await bot.service.ask(Request(line["q"], user, "C0TEAM", "slack", event_id=f"week1-{number}"))
        offered = [match.entry.id for match in reply.suggestions]
        if reply.status == SUGGEST and line["expect"] in offered:
            await bot.service.follow(Request("", user, "C0TEAM", "slack"), line["expect"], reply.question_id)
            reactions["picked"] += 1
        elif reply.status == SUGGEST:
            await bot.service.none_of_these(reply.question_id, user)
            reactions["none of these"] += 1
        elif reply.status == ANSWERED and reply.entry.id != line["expect"]:
            await bot.service.vote(reply.question_id, user, "not_helpful", reply.entry.id)
            reactions["voted down"] += 1
    return reactions


async def teach_from_review(bot, labels: dict[str, str | None], clock: Clock) -> dict[str, int]:
    """What an admin does with each item of Monday's review: one click on the right entry when it is offered,
    else teaching it by id (`/backend teach`), forced from the terminal when another entry answers it now;
    out-of-scope lines are ignored."""
    clock.now = WEEK_1 + timedelta(days=7)
    review = await bot.storage.db.run(build_review, bot.storage, bot.responder, clock.now)
    items, _ = review_items(review, 10_000)
    done = {"one click": 0, "taught by id": 0, "forced": 0, "ignored": 0, "refused": 0, "items": len(items)}
    for item in items:
        expected = labels.get(normalized(item.question))
        if expected is None:
            await bot.service.review(IGNORE, item.question_id, "", ADMIN, always)
            done["ignored"] += 1
            continue
        if expected in item.entries:
            note = await bot.service.review("teach", item.question_id, expected, ADMIN, always)
            done["one click" if note.text.startswith("Taught") else "refused"] += 1
            continue
        note = await bot.service.command(f"teach {expected}: {item.question}", ADMIN, always)
        if note.text.startswith("Taught"):
            done["taught by id"] += 1
            continue
        from bot.chat_commands import teach
        from bot.core.commands import TEACH, Command

        forced = await bot.storage.db.run(teach, Command(TEACH, text=item.question, entry_id=expected), ADMIN,
                                  bot.storage, bot.live, clock.now, True)
        done["forced" if forced.text.startswith("Taught") else "refused"] += 1
    return done


def build_responder_without(bot):
    """The knowledge as it was before anything was taught: the files alone."""
    from bot.wiring import build_responder

    return build_responder(bot.settings)


def figures(result: Evaluation) -> dict:
    return {"answered": percent(result.answered_correctly, result.in_scope),
            "found": percent(result.found, result.in_scope),
            "declined": percent(result.declined, result.out_of_scope),
            "wrong": percent(result.confidently_wrong, result.total), "lines": result.total}


async def measure(database: Path) -> dict:
    lines = [json.loads(line) for line in STREAM.read_text(encoding="utf-8").splitlines() if line.strip()]
    week_one = [line for line in lines if line["week"] == 1]
    repeated = [line for line in lines if line["week"] == 2 and line["taught_set"]]
    never = [line for line in lines if line["week"] == 2 and not line["taught_set"]]
    labels = {normalized(line["q"]): line["expect"] for line in week_one}
    clock = Clock(WEEK_1)
    # BOT_MATCHER and KNOWLEDGE_PATH come from the environment, as for the bot; the database is a fresh one.
    settings = load_settings({**os.environ, "BOT_DATABASE": str(database)}, env_file=None)
    bot = build_bot(settings, clock)
    try:
        before = {"week 1": figures(evaluate(bot.responder, week_one)),
                  "week 2, needs asked again": figures(evaluate(bot.responder, repeated)),
                  "week 2, never taught": figures(evaluate(bot.responder, never))}
        reactions = await replay_week_one(bot, week_one, clock)
        actions = await teach_from_review(bot, labels, clock)
        after = {"week 1": figures(evaluate(bot.responder, week_one)),
                 "week 2, needs asked again": figures(evaluate(bot.responder, repeated)),
                 "week 2, never taught": figures(evaluate(bot.responder, never))}
        phrasings = {normalized(phrasing.text) for phrasing in bot.storage.learned.phrasings()}
        taught = len(phrasings)
        # The needs an admin actually taught something for: where learning can show.
        needs = {line["need"] for line in week_one if normalized(line["q"]) in phrasings}
        of_taught = [line for line in repeated if line["need"] in needs]
        after["week 2, taught needs only"] = figures(evaluate(bot.responder, of_taught))
        before["week 2, taught needs only"] = figures(evaluate(build_responder_without(bot), of_taught))
    finally:
        bot.close()
    return {"lines": {"week 1": len(week_one), "week 2, needs asked again": len(repeated),
                      "week 2, never taught": len(never), "week 2, taught needs only": len(of_taught)},
            "people": reactions, "admin": actions, "phrasings taught": taught, "before": before, "after": after}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(measure(Path(folder) / "bot.db"))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"stream: {result['lines']}")
    print(f"week 1, people: {result['people']}")
    print(f"Monday's review, admin: {result['admin']}; phrasings taught: {result['phrasings taught']}")
    print(f"{'set':28} {'lines':>5}  {'answered':>17}  {'found':>17}  {'declined':>17}  {'wrong':>15}")
    for name in result["before"]:
        old, new = result["before"][name], result["after"][name]
        cells = "  ".join(f"{old[key]:6.1f} -> {new[key]:6.1f}%" for key in ("answered", "found", "declined"))
        print(f"{name:28} {old['lines']:5}  {cells}  {old['wrong']:5.1f} -> {new['wrong']:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
