"""Times a one-shot `backend-bot ask` against a bare Python start, and shows which imports the difference goes to."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "how do I scale a backend?"
TARGET_EXTRA = 0.5


def command_env(folder: Path) -> dict[str, str]:
    """The user's environment with a throwaway database and cache of built knowledge, and only the shipped
    knowledge."""
    env = dict(os.environ, BOT_DATABASE=str(folder / "bench.db"), BOT_CACHE_DIR=str(folder / "cache"))
    for name in ("KNOWLEDGE_PATH", "BOT_MATCHER"):
        env.pop(name, None)
    return env


def run_once(command: tuple[list[str], dict[str, str]], env: dict[str, str], folder: Path) -> float:
    # Run in the temporary folder, so a developer's .env file cannot change what is measured.
    words, own_env = command
    started = time.perf_counter()
    finished = subprocess.run(words, env={**env, **own_env}, cwd=folder, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        sys.exit(f"{' '.join(words)} failed ({finished.returncode}):\n{finished.stderr}")
    return elapsed


def median_times(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int, env: dict[str, str], folder: Path) -> dict[str, float]:
    """Median wall time of each command; runs interleave, so a noisy moment hits every command alike."""
    for command in commands.values():
        # Untimed: creates the database, the built knowledge and .pyc files, and warms the page cache, as any
        # later run would find them.
        run_once(command, env, folder)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(run_once(command, env, folder))
    return {name: statistics.median(values) for name, values in times.items()}


def import_times(module: str, env: dict[str, str], folder: Path) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, name) for each import `python -X importtime` reports while importing `module`."""
    finished = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                              env=env, cwd=folder, capture_output=True, text=True, check=True)
    rows = []
    for line in finished.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            own, cumulative, name = line.removeprefix("import time:").split("|", 2)
            rows.append((int(cumulative), int(own), name.rstrip()))
    return rows


def print_medians(medians: dict[str, float], runs: int) -> None:
    print(f"median wall time of {runs} runs each")
    for name, seconds in medians.items():
        print(f"  {seconds * 1e3:8.1f} ms  {name}")
    for name in medians:
        if name.startswith("backend-bot"):
            extra = medians[name] - medians["python -c pass"]
            verdict = "met" if extra < TARGET_EXTRA else "MISSED"
            print(f"{name} costs {extra * 1e3:.1f} ms more than python -c pass "
                  f"(target: under {TARGET_EXTRA * 1e3:.0f} ms more): {verdict}")


def print_imports(rows: list[tuple[int, int, str]], top: int) -> None:
    print(f"\ntop {top} imports by cumulative time while importing bot.cli (python -X importtime, one run)")
    print(f"{'cumulative':>12} {'self':>10}  module (indent = import depth)")
    for cumulative, own, name in sorted(rows, key=lambda row: -row[0])[:top]:
        print(f"{cumulative / 1e3:9.1f} ms {own / 1e3:7.1f} ms  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command")
    parser.add_argument("--top", type=int, default=10, help="imports to list")
    parser.add_argument("--before", type=Path, help="a checkout of earlier code (git worktree) to time alongside, "
                                                    "run as python -m bot with it first on PYTHONPATH")
    args = parser.parse_args(argv)
    bot = Path(sys.executable).parent / "backend-bot"
    if not bot.exists():
        sys.exit(f"{bot} not found: install the project into this environment (pip install -e .)")
    ask = [str(bot), "ask", QUESTION]
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], {}),
        "python -c 'import bot.cli'": ([sys.executable, "-c", "import bot.cli"], {}),
        "backend-bot ask": (ask, {}),
        "backend-bot ask, BOT_MATCHER=lexical": (ask, {"BOT_MATCHER": "lexical"}),
        "backend-bot ask, knowledge built every run (BOT_CACHE_DIR=off)": (ask, {"BOT_CACHE_DIR": "off"}),
    }
    if args.before:
        before = ([sys.executable, "-m", "bot", "ask", QUESTION], {"PYTHONPATH": str(args.before.resolve())})
        commands[f"backend-bot ask, code in {args.before}"] = before
        commands[f"backend-bot ask, code in {args.before}, BOT_MATCHER=lexical"] = (
            before[0], {**before[1], "BOT_MATCHER": "lexical"})
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = command_env(folder)
        print_medians(median_times(commands, args.runs, env, folder), args.runs)
        print_imports(import_times("bot.cli", env, folder), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
