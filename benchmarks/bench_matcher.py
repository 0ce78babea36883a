"""Times Matcher.rank, whole replies with words alone and with meaning (the fused matcher), and plain rapidfuzz
extractOne, on the shipped knowledge and on seeded larger ones."""

import argparse
import gc
import math
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

from rapidfuzz import fuzz, process

from bot.core.knowledge import KnowledgeBase
from bot.core.matcher import Matcher
from bot.core.replies import Responder
from bot.knowledge_files import load_knowledge, shipped_folder
from synthetic import KINDS, grow_knowledge, make_queries

TARGET_SIZE = 10_000
TARGET_MEDIAN = 0.001
TARGET_P99 = 0.005
# The warm-up set is drawn with another seed: warming on the timed questions would fill the matcher's
# typo-repair cache with exactly the misspellings about to be timed.
WARM_UP_QUERIES = 40
WARM_UP_SEED_OFFSET = 1_000
SCORED_KINDS = ("alias", "typo", "paraphrase")

Answerer = Callable[[str], str]


@dataclass(frozen=True)
class Result:
    size: int
    method: str
    build: float
    peak_bytes: int
    times: list[float]
    kinds: list[str]
    top1: float


def build_matcher(knowledge: KnowledgeBase) -> Answerer:
    matcher = Matcher(knowledge)

    def answer(text: str) -> str:
        matches = matcher.rank(text, limit=5)
        return matches[0].entry.id if matches else ""
    return answer


def build_rapidfuzz(knowledge: KnowledgeBase) -> Answerer:
    questions = [entry.question for entry in knowledge.entries]
    ids = [entry.id for entry in knowledge.entries]

    def answer(text: str) -> str:
        found = process.extractOne(text, questions, scorer=fuzz.WRatio)
        return ids[found[2]] if found else ""
    return answer


def build_replies(knowledge: KnowledgeBase, semantic=None, opinion=None) -> Answerer:
    responder = Responder(knowledge, semantic, opinion)

    def answer(text: str) -> str:
        reply = responder.reply_to(text)
        return reply.entry.id if reply.entry else (reply.suggestions[0].entry.id if reply.suggestions else "")
    return answer


def build_fused(knowledge: KnowledgeBase) -> Answerer:
    from bot.semantic import closeness_for, start_loading

    # The model loads once per process (a reload of the knowledge reuses it): what a build costs is the index.
    start_loading().result()
    answer = build_replies(knowledge, closeness_for)
    answer("warm")  # the index is built in the background; wait for it inside the build's timing
    return answer


def build_transformer(knowledge: KnowledgeBase) -> Answerer:
    from bot.semantic import closeness_for, second_opinion_for, start_loading

    start_loading().result()
    answer = build_replies(knowledge, closeness_for, second_opinion_for)
    answer("warm")  # both indexes are built in the background; wait for them inside the build's timing
    return answer


# `matcher` is Matcher.rank alone; `lexical`, `fused` and `transformer` are whole replies (Responder.reply_to): words
# alone, with the static model (the default), and with the transformer weighed in too (BOT_MATCHER=...).
# `transformer` is not in the default list: at 10,000 entries embedding the phrasings takes minutes.
METHODS = {"matcher": build_matcher, "lexical": build_replies, "fused": build_fused, "rapidfuzz": build_rapidfuzz,
           "transformer": build_transformer}
DEFAULT_METHODS = ("matcher", "lexical", "fused", "rapidfuzz")


def timed_answers(answer: Answerer, texts: list[str]) -> tuple[list[float], list[str]]:
    times, answers = [], []
    for text in texts:
        started = time.perf_counter()
        answers.append(answer(text))
        times.append(time.perf_counter() - started)
    return times, answers


def peak_memory(build: Callable[[KnowledgeBase], Answerer], knowledge: KnowledgeBase, texts: list[str]) -> int:
    """Peak bytes Python allocated building the answerer and answering every text (a separate, slower pass)."""
    gc.collect()
    tracemalloc.start()
    answer = build(knowledge)
    for text in texts:
        answer(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def measure(method: str, knowledge: KnowledgeBase, queries, warm_up) -> Result:
    build = METHODS[method]
    # Garbage left by the previous size would otherwise be collected inside this build's timing.
    gc.collect()
    started = time.perf_counter()
    answer = build(knowledge)
    build_time = time.perf_counter() - started
    timed_answers(answer, [query.text for query in warm_up])
    times, answers = timed_answers(answer, [query.text for query in queries])
    scored = [(query, got) for query, got in zip(queries, answers) if query.kind in SCORED_KINDS]
    top1 = sum(query.expect == got for query, got in scored) / max(1, len(scored))
    peak = peak_memory(build, knowledge, [query.text for query in queries])
    return Result(len(knowledge.entries), method, build_time, peak, times, [query.kind for query in queries], top1)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: with 300 values, p99 is the third slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def format_bytes(count: int) -> str:
    return f"{count / 1024:.0f} KiB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MiB"


def print_summary(results: list[Result]) -> None:
    print(f"{'entries':>8} {'method':<10} {'build':>10} {'peak mem':>10} {'median':>10} {'p99':>10} "
          f"{'max':>10} {'top-1':>6}")
    for result in results:
        print(f"{result.size:>8,} {result.method:<10} {format_time(result.build):>10} "
              f"{format_bytes(result.peak_bytes):>10} {format_time(statistics.median(result.times)):>10} "
              f"{format_time(percentile(result.times, 0.99)):>10} {format_time(max(result.times)):>10} "
              f"{result.top1:>6.0%}")


def print_by_kind(results: list[Result]) -> None:
    print("\nmedian time per question, by kind of question")
    print(f"{'entries':>8} {'method':<10} " + " ".join(f"{kind:>12}" for kind in KINDS))
    for result in results:
        cells = []
        for kind in KINDS:
            times = [time for time, got in zip(result.times, result.kinds) if got == kind]
            cells.append(format_time(statistics.median(times)) if times else "-")
        print(f"{result.size:>8,} {result.method:<10} " + " ".join(f"{cell:>12}" for cell in cells))


def print_targets(results: list[Result]) -> None:
    print(f"\ntargets at {TARGET_SIZE:,} entries: median < {format_time(TARGET_MEDIAN)}, "
          f"p99 < {format_time(TARGET_P99)} per question")
    for result in results:
        if result.method in ("matcher", "lexical", "fused") and result.size == TARGET_SIZE:
            median, p99 = statistics.median(result.times), percentile(result.times, 0.99)
            print(f"  {result.method:<8} median {format_time(median)}: {'met' if median < TARGET_MEDIAN else 'MISSED'}; "
                  f"p99 {format_time(p99)}: {'met' if p99 < TARGET_P99 else 'MISSED'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="27,1000,10000",
                        help="knowledge sizes in entries, comma-separated; the shipped entries are always in")
    parser.add_argument("--queries", type=int, default=300, help="questions timed per size and method")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help=f"comma-separated, of {', '.join(METHODS)} (default {','.join(DEFAULT_METHODS)})")
    args = parser.parse_args(argv)
    args.sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    args.methods = [part.strip() for part in args.methods.split(",") if part.strip()]
    unknown = [method for method in args.methods if method not in METHODS]
    if unknown:
        parser.error(f"unknown method(s): {', '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shipped = load_knowledge([shipped_folder()])
    queries = make_queries(shipped, args.queries, args.seed)
    warm_up = [query for query in make_queries(shipped, WARM_UP_QUERIES, args.seed + WARM_UP_SEED_OFFSET)
               if query.kind != "long"]
    counts = ", ".join(f"{sum(query.kind == kind for query in queries)} {kind}" for kind in KINDS)
    print(f"{len(queries)} questions (seed {args.seed}): {counts}; python {sys.version.split()[0]}\n")
    results = []
    for size in args.sizes:
        # A size at or below the shipped count means the shipped knowledge alone.
        knowledge = grow_knowledge(shipped, size, args.seed)
        results += [measure(method, knowledge, queries, warm_up) for method in args.methods]
    print_summary(results)
    print_by_kind(results)
    print_targets(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
