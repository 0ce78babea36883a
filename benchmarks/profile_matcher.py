"""Shows where Matcher construction and Matcher.rank spend their time (cProfile) on a seeded knowledge base."""

import argparse
import cProfile
import pstats
import sys
import time

from bot.core.matcher import Matcher
from bot.knowledge_files import load_knowledge, shipped_folder
from synthetic import grow_knowledge, make_queries


def profile(label: str, work, limit: int, sort: str):
    profiler = cProfile.Profile()
    started = time.perf_counter()
    result = profiler.runcall(work)
    print(f"\n=== {label}: {time.perf_counter() - started:.3f} s under the profiler, top {limit} by {sort} ===")
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(sort).print_stats(limit)
    return result


def slowest(matcher: Matcher, queries, count: int) -> None:
    """The questions that set the p99: worth reading, since their words explain the cost."""
    timed = []
    for query in queries:
        started = time.perf_counter()
        matcher.rank(query.text, limit=5)
        timed.append((time.perf_counter() - started, query))
    print(f"\n=== {count} slowest questions (second pass, typo cache warm) ===")
    for seconds, query in sorted(timed, key=lambda pair: -pair[0])[:count]:
        print(f"{seconds * 1e3:8.2f} ms  {query.kind:<12} {query.text[:90]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=15, help="rows of each profile")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumulative, ncalls")
    args = parser.parse_args(argv)
    shipped = load_knowledge([shipped_folder()])
    knowledge = grow_knowledge(shipped, args.size, args.seed)
    queries = make_queries(shipped, args.queries, args.seed)
    matcher = profile(f"Matcher() on {args.size:,} entries", lambda: Matcher(knowledge), args.limit, args.sort)
    profile(f"rank() of {len(queries)} questions", lambda: [matcher.rank(q.text, limit=5) for q in queries],
            args.limit, args.sort)
    slowest(matcher, queries, 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
