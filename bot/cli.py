"""The `backend-bot` command: ask, chat, eval, kb, serve."""

import argparse
import asyncio
import io
import json
import logging
import math
import sys
from pathlib import Path

from .config import ConfigError, load_settings, logging_settings
from .logs import configure_logging
from .core.evaluation import evaluate, percent
from .core.knowledge import KnowledgeError
from .core.replies import Reply, Request
from .core.text import without_controls
from .knowledge_files import load_knowledge, shipped_folder
from .schedule_cli import add_commands as add_schedule_commands, terminal_user
from .semantic import ModelError
from .storage import StorageError, is_postgres, open_database, open_storage, redacted, utc_now
from .storage.location import without_passwords
from .wiring import build_bot, build_responder, live_knowledge

EXIT_USAGE = 2
FAILED_REPLY = {"intent": "question", "entry": None, "score": 0.0, "related": [], "suggestions": []}
USAGE_HINT = 'Ask a backend question, for example: backend-bot ask "how do I make a request idempotent?"'


def command_ask(args: argparse.Namespace) -> int:
    from .adapters.console import render_text

    text = " ".join(args.question).strip()
    if not text:
        print(USAGE_HINT, file=sys.stderr)
        return EXIT_USAGE
    bot = build_bot(load_settings(), counting=False, few_questions=text != "-")
    # Bytes that are not UTF-8 become U+FFFD and the line is still answered: one reply per line, always.
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if text == "-" else [text]

    async def answer_all() -> int:
        """How many questions got the apology instead of an answer (the database failed under them)."""
        failed = 0
        for line in lines:
            request = Request(text=line.strip(), platform="console")
            reply = await bot.service.ask(request)
            failed += not isinstance(reply, Reply)
            shown = without_controls(render_text(reply))
            if args.json:
                fields = reply.as_json() if isinstance(reply, Reply) else {**FAILED_REPLY, "status": "error"}
                print(json.dumps({**fields, "question": request.text, "text": shown}, ensure_ascii=False),
                      flush=True)
            else:
                print(shown, flush=True)
        return failed

    try:
        failed = asyncio.run(answer_all())
    finally:
        bot.close()
    if failed:
        # Every line still got its reply; a script must still learn that some questions were neither answered
        # nor kept, so it can send them again.
        print(f"error: {failed} question(s) were not answered (the database failed; see above): ask them again",
              file=sys.stderr)
        return 1
    return 0


def command_chat(args: argparse.Namespace) -> int:
    from .adapters.console import run_chat

    bot = build_bot(load_settings(), counting=False, few_questions=True)
    try:
        run_chat(bot.service, input, sys.stdout, terminal_user(args))
    finally:
        bot.close()
    return 0


class UsageError(Exception):
    """A command line or input file that cannot be used; the message is the one line a person sees."""


def read_cases(file: str) -> list[dict]:
    """The lines of an eval file, each an object with a text "q" and an "expect" (an entry id or null)."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{file}: cannot be read: {getattr(error, 'strerror', None) or error}") from None
    cases = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{file}: line {number}: not JSON: {error}") from None
        except RecursionError:
            raise UsageError(f"{file}: line {number}: not a question line (nested too deeply to read)") from None
        if not isinstance(case, dict) or not isinstance(case.get("q"), str) or \
                not isinstance(case.get("expect"), (str, type(None))):
            raise UsageError(f'{file}: line {number}: needs {{"q": "question", "expect": "entry-id" or null}}')
        cases.append(case)
    if not cases:
        # Measuring nothing would pass any --fail-under bar.
        raise UsageError(f'{file}: no question lines: write one {{"q": "question", "expect": "entry-id" or null}} a line')
    return cases


def parse_bars(text: str) -> dict[str, float]:
    """`answered=95,declined=90` as {figure: percent}; the figures are the ones `eval` prints."""
    known = {"answered": "answered correctly", "found": "found (answer or suggestion)",
             "declined": "out-of-scope declined"}
    bars = {}
    for part in filter(None, text.split(",")):
        name, _, value = part.partition("=")
        try:
            bars[known[name.strip()]] = float(value)
        except (KeyError, ValueError):
            raise argparse.ArgumentTypeError(f"{part!r}: use answered=N, found=N or declined=N") from None
    return bars


def command_eval(args: argparse.Namespace) -> int:
    if args.from_log:
        settings = load_settings()
        storage = open_storage(settings.database)
        try:
            cases = storage.questions.labelled()
            responder = live_knowledge(settings, storage.learned).responder
        finally:
            storage.close()
        if not cases:
            raise UsageError("the log has no labelled questions yet: teach phrasings, or let people pick from "
                             "'did you mean' and vote")
    elif args.file:
        cases, responder = read_cases(args.file), build_responder(load_settings())
        unknown = sorted({case["expect"] for case in cases} - {None, *responder.knowledge.by_id})
        if unknown:
            # Scored, they would count as misses of an entry that cannot be answered: a typo, or a missing file.
            raise UsageError(f"{args.file}: expects {', '.join(map(repr, unknown[:5]))}, which the knowledge does not "
                             "have (a typo, or a knowledge file not in KNOWLEDGE_PATH?)")
    else:
        raise UsageError("give an eval file, or --from-log to measure on the team's own labelled questions")
    result = evaluate(responder, cases)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        for miss in result.failures:
            print(f"miss: {miss['q']!r} expected {miss['expect']} -> {miss['status']} {miss['got']} "
                  f"({miss['score']})")
        if result.misses:
            print("misses by entry: " + ", ".join(f"{key} {count}" for key, count in result.misses.most_common()))
        print(f"{result.total} questions ({result.in_scope} in scope, {result.out_of_scope} out of scope)")
        for name, count, whole in result.figures():
            print(f"{name}: {count}/{whole} ({percent(count, whole)}%)")
        bands = [f"{band['from']}-{band['to']}: {band['right']}/{band['answered']}" for band in result.calibration()
                 if band["answered"]]
        print("answers right, by score: " + (", ".join(bands) or "none answered"))
    under = [f"{name} {percent(count, whole)}% < {args.fail_under[name]:g}%" for name, count, whole in result.figures()
             if whole and name in args.fail_under and percent(count, whole) < args.fail_under[name]]
    if under:
        print("under the bar: " + "; ".join(under), file=sys.stderr)
        return 1
    return 0


def command_learning(args: argparse.Namespace) -> int:
    """kb teach, kb unteach and kb learned: what the team taught, from the terminal."""
    import yaml

    from .core.commands import TEACH, UNTEACH, Command, Place
    from .chat_commands import teach

    settings = load_settings()
    storage = open_storage(settings.database)
    try:
        if args.kb_command == "learned":
            phrasings = storage.learned.phrasings()
            live = live_knowledge(settings, storage.learned, meaning=False)
            if args.export:
                aliases: dict[str, list[str]] = {}
                for phrasing in phrasings:
                    aliases.setdefault(phrasing.entry_id, []).append(phrasing.text)
                entries = storage.learned.entries()
                document = {"title": "What the team taught", "entries": entries, "aliases": aliases}
                try:
                    Path(args.export).write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                                                 encoding="utf-8")
                except OSError as error:
                    raise UsageError(f"{args.export}: cannot be written: {error.strerror or error}") from None
                print(f"wrote {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} and {len(phrasings)} "
                      f"phrasing(s) to {args.export}")
                return 0
            for entry in storage.learned.entries():
                print(f"{entry['id']:32} (entry added in chat) {without_controls(entry['question'])}")
            orphans = {(text, entry_id) for text, entry_id in live.orphans}
            for phrasing in phrasings:
                gone = " (entry no longer in the knowledge: kept, not served)" if (
                    phrasing.text, phrasing.entry_id) in orphans else ""
                print(f"{phrasing.entry_id:32} {without_controls(phrasing.text)}{gone}")
            return 0
        live = live_knowledge(settings, storage.learned)
        action = TEACH if args.kb_command == "teach" else UNTEACH
        command = Command(action, text=args.question, entry_id=getattr(args, "entry_id", ""))
        note = teach(command, Place("console", "terminal", terminal_user()), storage, live, utc_now(),
                     force=getattr(args, "force", False))
        print(without_controls(note.text))  # it quotes the phrasing, which may hold terminal escape codes
        return 0 if note.text.startswith(("Taught", "Forgot")) else 1
    finally:
        storage.close()


def command_review(args: argparse.Namespace) -> int:
    """What to teach next, as the weekly digest shows it: with --json for scripts, and interactive at a terminal
    (teach an item to an entry, add a new entry, ignore it) through the same service calls chat buttons make."""
    from .core.commands import Place
    from .core.review import figures_line, review_items
    from .review import build_review
    from .wiring import build_bot

    bot = build_bot(load_settings(), counting=False)
    try:
        review = build_review(bot.storage, bot.responder, utc_now(), args.days)
        if args.json:
            print(json.dumps(review.as_dict(), ensure_ascii=False, indent=2))
            return 0
        items, more = review_items(review, len(review.misses) + len(review.candidates) + len(review.not_helpful))
        print(f"Review of the last {args.days} days: {figures_line(review)} (beside the {args.days} days before)")
        if not items:
            print("Nothing to review: every question was answered and nobody voted an answer down.")
        interactive = args.interactive or sys.stdin.isatty()
        place = Place("console", "terminal", terminal_user())
        admin = _always_admin
        for number, item in enumerate(items, 1):
            print(f"\n{number}. {item.heading}\n   “{without_controls(item.question)}”{without_controls(item.detail)}")
            choices = [f"[{position}] teach to {entry_id}" for position, entry_id in enumerate(item.entries, 1)]
            print("   " + "  ".join(choices + ["[n] new entry", "[i] ignore", "[s] skip", "[q] quit"]))
            if not interactive:
                continue
            choice = _prompt("   > ")
            if choice is None or choice.lower() == "q":
                break
            choice = choice.lower()
            if choice in ("", "s"):
                continue
            if choice.isdigit() and 1 <= int(choice) <= len(item.entries):
                note = asyncio.run(bot.service.review("teach", item.question_id, item.entries[int(choice) - 1],
                                                      place, admin))
            elif choice == "i":
                note = asyncio.run(bot.service.review("ignore", item.question_id, "", place, admin))
            elif choice == "n":
                fields = _form_at_terminal(item.question)
                if fields is None:
                    break  # input ended halfway through the form: nothing is added
                note = asyncio.run(bot.service.add_entry(fields, place, admin))
            else:
                print("   (not a choice; skipped)")
                continue
            print(f"   {without_controls(note.text)}")
    finally:
        bot.close()
    return 0


async def _always_admin() -> bool:
    """At the terminal the operator is the admin: they hold the database."""
    return True


def _form_at_terminal(question: str) -> dict[str, str] | None:
    """The new-entry form's fields, asked one by one (the reviewed question offered); None if input ends."""
    from .core.entries import FIELDS, LABELS

    fields = {}
    for name in FIELDS:
        typed = _prompt(f"   {LABELS[name]}: ", question if name == "question" else "")
        if typed is None:
            return None
        fields[name] = typed
    return fields


def _prompt(text: str, default: str = "") -> str | None:
    """A line typed at the terminal (`default` when only Enter is pressed); None at the end of input."""
    try:
        typed = input(text + (f"[{default[:60]}] " if default else "")).strip()
    except EOFError:
        return None
    return typed or default


def command_kb(args: argparse.Namespace) -> int:
    if args.kb_command in ("teach", "unteach", "learned"):
        return command_learning(args)
    if args.kb_command == "review":
        return command_review(args)
    paths = [Path(path) for path in args.paths] if getattr(args, "paths", None) else load_settings().knowledge_paths
    knowledge = load_knowledge(paths)
    if args.kb_command == "check":
        print(f"ok: {len(knowledge.entries)} entries in {len(knowledge.sources)} file(s)")
        return 0
    for source in knowledge.sources:
        print(f"# {source.get('title', source['file'])} ({source['file']})")
    for entry in knowledge.entries:
        print(f"{entry.id:32} {entry.question}")
    return 0


def command_stats(args: argparse.Namespace) -> int:
    storage = open_storage(load_settings().database, reading=True)
    try:
        counts = storage.questions.outcome_counts()
        by_platform = storage.questions.outcomes_by_platform()
        feedback = storage.questions.feedback_counts()
        misses = storage.questions.unanswered_questions(limit=args.misses)
    finally:
        storage.close()
    if args.json:
        print(json.dumps({"questions": counts, "by_platform": by_platform, "feedback": feedback,
                          "not_answered": [{"question": text, "times": count} for text, count in misses]},
                         ensure_ascii=False, indent=2))
        return 0
    total = sum(counts.values())
    print(f"{total} questions asked: " + ", ".join(f"{status} {count} ({percent(count, total)}%)"
                                                    for status, count in sorted(counts.items())))
    print("feedback: " + (", ".join(f"{verdict} {count}" for verdict, count in sorted(feedback.items())) or "none yet"))
    if misses:
        print("most asked without an answer (candidates for new knowledge):")
        for text, count in misses:
            # Typed by people in chat: escape sequences in it must not reach the operator's terminal.
            print(f"  {count:4}  {without_controls(text)}")
    for platform, outcomes in by_platform.items():
        print(f"{platform}: " + ", ".join(f"{status} {count}" for status, count in outcomes.items()))
    return 0


def command_db(args: argparse.Namespace) -> int:
    from .storage import Retention, prune, utc_now

    settings = load_settings()
    if args.db_command == "check":
        return check_database(settings.database)
    if args.db_command == "copy":
        return copy_database_to(settings.database, args.to)
    storage = open_storage(settings.database)
    try:
        pruned = prune(storage.db, utc_now(), Retention(question_days=settings.keep_question_days))
        print("pruned: " + ", ".join(f"{count} {what}" for what, count in pruned.items()))
        return 0
    finally:
        storage.close()


def check_database(location: Path | str) -> int:
    """Which database, its schema, whether it answers; a database that cannot be opened is reported, not raised."""
    kind = "PostgreSQL" if is_postgres(location) else "SQLite"
    print(f"database: {kind} at {redacted(location)}")
    if not is_postgres(location) and not Path(location).exists():
        # Opening it would create it, and a mistyped path would then look like a healthy, empty database.
        print("reachable: no: there is no file there yet (the bot creates it on first use; check the path)")
        return 1
    try:
        storage = open_storage(location, reading=True)
    except StorageError as error:
        print(f"reachable: no: {error}")
        return 1
    try:
        steps = storage.db.schema_steps()
        problem = storage.db.check()
    finally:
        storage.close()
    print(f"schema: {steps[-1] if steps else 'none'} ({len(steps)} steps)")
    print(f"reachable: {'yes' if not problem else problem}")
    return 0 if not problem else 1


def copy_database_to(location: Path | str, url: str) -> int:
    from .storage.transfer import copy_database

    if is_postgres(location):
        raise UsageError("db copy reads a SQLite database: set BOT_DATABASE to the SQLite file to copy from")
    if not is_postgres(url):
        raise UsageError("db copy --to takes a postgresql:// URL")
    source = open_database(location)
    try:
        target = open_database(url)
        try:
            copied = copy_database(source, target)
        finally:
            target.close()
    finally:
        source.close()
    counts = ", ".join(f"{count} {table}" for table, count in copied.items())
    print(f"copied to {redacted(url)}: {counts}")
    return 0


def command_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(load_settings(), port=args.port, only=args.platform, slack_mode=args.slack_mode)


def command_health(args: argparse.Namespace) -> int:
    """Asks a running serve's /healthz on this machine: what a container's HEALTHCHECK runs."""
    import urllib.error
    import urllib.request

    port = args.port or load_settings().port or 3000
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=args.timeout) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(error.read().decode(errors="replace"))
        return 1
    except (urllib.error.URLError, OSError) as error:
        raise UsageError(f"nothing answers on port {port}: {getattr(error, 'reason', error)}") from None


def command_discord(args: argparse.Namespace) -> int:
    from .adapters.discord.invite import make_invite_url

    print(make_invite_url(load_settings()))
    return 0


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors said in one line (and a pointer to --help) instead of the usage text."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")


def bounded(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""

    def number(text: str) -> int:
        if not text.strip().isdecimal() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return number


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="backend-bot", description="Backend-engineering answers in chat.")
    parser.add_argument("--version", action=VersionAction, nargs=0, help="show the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the bot does")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question ('-' reads one question a line from stdin)")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="print the reply as JSON")
    ask.set_defaults(run=command_ask)
    chat = commands.add_parser("chat", help="ask questions in a terminal loop")
    chat.add_argument("--user", help="who is asking, for votes (default: your login name)")
    chat.set_defaults(run=command_chat)
    ev = commands.add_parser("eval", help="measure the matcher on a JSONL file of {q, expect}")
    ev.add_argument("file", nargs="?")
    ev.add_argument("--from-log", action="store_true",
                    help="measure on the team's labelled questions: taught phrasings, picks, helpful votes")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--fail-under", type=parse_bars, default={}, metavar="answered=N,declined=N",
                    help="exit 1 when a figure is under its bar (for CI)")
    ev.set_defaults(run=command_eval)
    kb = commands.add_parser("kb", help="check or list the knowledge")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="report every problem in knowledge files")
    check.add_argument("paths", nargs="*", help=f"files or folders (default: {shipped_folder()} + KNOWLEDGE_PATH)")
    kb_commands.add_parser("list", help="list the loaded entries")
    teach = kb_commands.add_parser("teach", help="teach a phrasing people use for an entry; served at once")
    teach.add_argument("question")
    teach.add_argument("entry_id")
    teach.add_argument("--force", action="store_true", help="teach it even if another entry answers it now")
    unteach = kb_commands.add_parser("unteach", help="forget a taught phrasing")
    unteach.add_argument("question")
    review = kb_commands.add_parser("review", help="what to teach next: agreed picks, misses, answers not helpful")
    review.add_argument("--json", action="store_true")
    review.add_argument("--interactive", action="store_true",
                        help="ask what to do with each item even when input is not a terminal")
    review.add_argument("--days", type=bounded(1, 3650), default=7, help="how far back (default: a week)")
    learned = kb_commands.add_parser("learned", help="list what was taught, or export it as a knowledge file")
    learned.add_argument("--export", metavar="FILE", help="write the phrasings as a knowledge file kb check accepts")
    kb.set_defaults(run=command_kb)
    stats = commands.add_parser("stats", help="how questions were answered, feedback, and what was not known")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--misses", type=bounded(1, 10_000), default=10, help="how many unanswered questions to list")
    stats.set_defaults(run=command_stats)
    serve = commands.add_parser("serve", help="run the Slack and Discord bots whose tokens are set")
    serve.add_argument("--port", type=bounded(0, 65535), default=None,
                       help="the operator's port: /healthz, /metrics and Slack's HTTP mode (default: PORT)")
    serve.add_argument("--platform", action="append", choices=("slack", "discord"),
                       help="run only this configured platform (repeat for more; default: every configured one)")
    serve.add_argument("--slack-mode", choices=("socket", "http"),
                       help="Slack over Socket Mode or HTTP mode (default: socket when SLACK_APP_TOKEN is set)")
    serve.set_defaults(run=command_serve)
    db = commands.add_parser("db", help="the database: check it, copy it into PostgreSQL, or prune old rows")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("check", help="which database is in use, its schema version, and whether it answers")
    copy = db_commands.add_parser("copy", help="copy the SQLite database (BOT_DATABASE) into PostgreSQL; "
                                               "rows already there are left as they are")
    copy.add_argument("--to", required=True, metavar="postgresql://...", help="the PostgreSQL database to fill")
    db_commands.add_parser("prune", help="delete questions older than BOT_KEEP_QUESTIONS_DAYS (365), and seen event "
                                         "ids and finished posts older than 30 days")
    db.set_defaults(run=command_db)
    health = commands.add_parser("health", help="ask the running serve on this machine whether it is healthy")
    health.add_argument("--port", type=bounded(1, 65535), default=None, help="default: PORT, else 3000")
    health.add_argument("--timeout", type=seconds, default=3.0, help="seconds to wait for an answer (default 3)")
    health.set_defaults(run=command_health)
    discord = commands.add_parser("discord", help="Discord set-up")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True)
    discord_commands.add_parser("invite", help="print the link that adds the bot to a server")
    discord.set_defaults(run=command_discord)
    add_schedule_commands(commands)
    return parser


def package_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("backend-bot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


class VersionAction(argparse.Action):
    """--version, looked up only when asked for (reading the package's metadata costs every other command time)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"backend-bot {package_version()}")
        parser.exit()


def seconds(text: str) -> float:
    """A --timeout: a number of seconds from 0.1 to a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.1 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds from 0.1 to 86400, for example 3")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        level, as_json = logging_settings()
        # A service says what it is doing; a one-shot command speaks only when something is wrong.
        default = "INFO" if args.verbose or args.command == "serve" else "WARNING"
        configure_logging(level or default, as_json)
        return args.run(args)
    except KnowledgeError as error:
        print(f"The knowledge has {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (StorageError, ConfigError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ModelError as error:
        print(f"error: {error} (BOT_MATCHER=lexical matches without it)", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as error:
        # The last line of defence: whatever was not foreseen is still one line for a person (the traceback is in the
        # log with -v), never a wall of Python.
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)  # shown with LOG_LEVEL=DEBUG
        print(f"error: {unforeseen(error)}", file=sys.stderr)
        return 1


def unforeseen(error: BaseException) -> str:
    """One line about an error nobody wrote a message for, with any password in a URL hidden."""
    text = " ".join(str(error)[:2000].split()) or type(error).__name__  # cut first: the patterns stay cheap
    text = without_passwords(text)
    return without_controls(f"{type(error).__name__}: {text}")[:300] + " (LOG_LEVEL=DEBUG logs the details)"


if __name__ == "__main__":
    sys.exit(main())
