"""Seeded stand-ins for a large knowledge base and for the messages people send, grown from the shipped knowledge."""

import random
import re
from dataclasses import dataclass

from bot.core.knowledge import Entry, KnowledgeBase, build_knowledge

LONG_MESSAGE_CHARS = 50_000
# Shares of the ordinary queries; the few very long messages come on top (see long_count in make_queries).
KIND_SHARES = {"alias": 0.25, "typo": 0.30, "paraphrase": 0.25, "out-of-scope": 0.20}
KINDS = (*KIND_SHARES, "long")

VERBS = """
    scale cache shard replicate partition index migrate deploy monitor trace log retry throttle rate-limit
    authenticate authorise encrypt rotate backup restore validate serialise batch stream queue debounce
    paginate version document test mock benchmark profile tune secure isolate lock publish consume
    """.split()
NOUNS = """
    queue worker cache index table schema session token secret certificate endpoint webhook payload
    consumer producer topic partition replica cluster container pod node job cron scheduler pipeline
    migration transaction lock connection pool request response header cookie upload download report
    invoice payment account balance order customer tenant user event message stream snapshot backup log
    metric trace alert dashboard deadline timeout retry circuit breaker gateway proxy balancer
    """.split()
SYSTEMS = """
    postgres mysql mongodb redis kafka rabbitmq sqs sns lambda kubernetes docker nginx envoy graphql grpc
    elasticsearch clickhouse dynamodb cassandra celery sidekiq bullmq temporal airflow terraform helm
    prometheus grafana datadog sentry opentelemetry vercel heroku cloudflare stripe auth0 keycloak s3 gcs
    """.split()
TAGS = """
    scaling performance database caching messaging security observability deployment testing reliability
    architecture api data-integrity concurrency cloud devops storage networking billing compliance
    """.split()
SYMPTOMS = ("keeps timing out", "is slow under load", "loses data", "runs twice", "fills the disk",
            "drops messages", "leaks memory", "returns stale data", "fails on deploy")

QUESTION_FORMS = (
    "How do we {verb} the {noun} in {system}?",
    "What is the right way to {verb} a {noun} with {system}?",
    "Why does our {system} {noun} {symptom}?",
    "When should we {verb} the {noun} instead of the {other}?",
    "How should the {noun} {verb} across {system} and {second}?",
)
ALIAS_FORMS = (
    "{verb} {noun} {system}",
    "our {noun} {symptom} in {system}",
    "{system} {noun} {symptom}",
    "best way to {verb} a {noun}",
    "{noun} vs {other} for {system}",
    "how to {verb} {other} and {noun} together",
    "is it ok to {verb} the {noun} on {second}",
    "{noun} {verb} strategy for {system}",
)
ANSWER_FORMS = (
    "{Verb} the {noun} before it reaches {system}, so the {other} never sees a half-done change.",
    "Measure the {noun} first: {system} exposes enough metrics to find the real bottleneck.",
    "Keep the {other} idempotent, so a retried {noun} has the same effect as the first one.",
    "Prefer one {noun} per {other}; sharing one across {system} and {second} couples their deploys.",
    "Write down why the {noun} is in {system}, and revisit it when the {other} changes.",
)
PARAPHRASE_FORMS = ("any advice on {words}?", "{words} - what do people usually do?", "we're struggling with {words}",
                    "quick question about {words} in our stack", "{words}??", "thoughts on {words} for a small team")
OFF_TOPIC_FORMS = (
    "what's the weather going to be in {place} on {day}",
    "recommend a good {food} place near the office",
    "who won the {sport} match last {day}",
    "how long should I boil {food} for",
    "can you suggest a {genre} film for {day} evening",
    "my {pet} won't stop barking at the {thing}",
    "what's a nice gift for a {pet} lover",
)
OFF_TOPIC_WORDS = {
    "place": ("paris", "lisbon", "tokyo", "the mountains", "brighton"),
    "day": ("monday", "saturday", "sunday", "friday", "tuesday"),
    "food": ("pizza", "ramen", "eggs", "pasta", "dumpling", "curry"),
    "sport": ("football", "tennis", "cricket", "rugby", "basketball"),
    "genre": ("horror", "comedy", "sci-fi", "romantic", "documentary"),
    "pet": ("dog", "cat", "parrot", "hamster"),
    "thing": ("postman", "vacuum cleaner", "neighbours", "doorbell"),
}
LOG_LINE = ("2024-05-01T12:00:{second:02d}Z ERROR worker-{worker} connection refused to db pool "
            "(timeout=30s, attempt {attempt}) at Pool.acquire (pool.js:{line})\n")
# Small words dropped when picking "the words of an entry", so paraphrases carry words that mean something.
_FILLER = frozenset("about after again also because before being between could does doing from have into just "
                    "more most only other over should since some than that their them then there these they "
                    "this those through what when where which while with would your".split())


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    expect: str = ""


def entry_data(entry: Entry) -> dict:
    """An entry back in the shape of a knowledge file, so shipped and synthetic entries load the same way."""
    data = {"id": entry.id, "question": entry.question,
            "answer": list(entry.answer) if entry.is_list else entry.answer[0],
            "aliases": list(entry.aliases), "tags": list(entry.tags), "related": list(entry.related)}
    return {**data, "label": entry.label} if entry.label else data


def words_of(text: str) -> list[str]:
    return [word for word in re.findall(r"[a-z]{4,}", text.lower()) if word not in _FILLER]


def shipped_words(knowledge: KnowledgeBase) -> list[str]:
    texts = (text for entry in knowledge.entries for text in (entry.question, *entry.aliases, *entry.answer))
    return sorted({word for text in texts for word in words_of(text) if len(word) >= 5})


def _slots(rng: random.Random, words: list[str]) -> dict[str, str]:
    verb = rng.choice(VERBS)
    return {"verb": verb, "Verb": verb.capitalize(), "noun": rng.choice(NOUNS + words), "other": rng.choice(words),
            "system": rng.choice(SYSTEMS), "second": rng.choice(SYSTEMS), "symptom": rng.choice(SYMPTOMS)}


def synthetic_entry(rng: random.Random, index: int, words: list[str], earlier_ids: list[str]) -> dict:
    slots = _slots(rng, words)
    return {
        # The index keeps ids unique; verbs and nouns are lower-case words, so the id is a valid slug.
        "id": f"{slots['verb']}-{slots['noun']}-{index}",
        "question": rng.choice(QUESTION_FORMS).format(**slots),
        "answer": [form.format(**_slots(rng, words)) for form in rng.sample(ANSWER_FORMS, 3)],
        "aliases": [form.format(**slots) for form in rng.sample(ALIAS_FORMS, rng.randint(3, 6))],
        "tags": rng.sample(TAGS, 2),
        "related": rng.sample(earlier_ids[-50:], min(2, len(earlier_ids))),
    }


def grow_knowledge(shipped: KnowledgeBase, size: int, seed: int) -> KnowledgeBase:
    """The shipped entries plus seeded synthetic ones up to `size`, through the same validation as real files."""
    rng = random.Random(seed)
    words = shipped_words(shipped)
    entries: list[dict] = []
    for index in range(size - len(shipped.entries)):
        entries.append(synthetic_entry(rng, index, words, [entry["id"] for entry in entries[-50:]]))
    documents = [("shipped.yaml", {"title": "Shipped", "entries": [entry_data(e) for e in shipped.entries]}),
                 ("synthetic.yaml", {"title": "Synthetic", "entries": entries})]
    return build_knowledge(documents if entries else documents[:1])


def misspell(rng: random.Random, word: str) -> str:
    """One slip of the kind people make: two neighbouring letters swapped, or one letter dropped."""
    position = rng.randrange(len(word) - 1)
    if rng.random() < 0.5 and word[position] != word[position + 1]:
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    return word[:position] + word[position + 1:]


def alias_query(rng: random.Random, entry: Entry) -> Query:
    return Query(rng.choice(entry.aliases), "alias", entry.id)


def typo_query(rng: random.Random, entry: Entry) -> Query:
    words = rng.choice(entry.aliases).split()
    long_words = [index for index, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    chosen = rng.sample(long_words, min(len(long_words), rng.randint(1, 2))) or [max(
        range(len(words)), key=lambda index: len(words[index]))]
    for index in chosen:
        words[index] = misspell(rng, words[index]) if len(words[index]) > 1 else words[index]
    return Query(" ".join(words), "typo", entry.id)


def paraphrase_query(rng: random.Random, entry: Entry) -> Query:
    pool = sorted(set(words_of(" ".join((entry.question, *entry.aliases, *entry.tags)))))
    picked = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
    return Query(rng.choice(PARAPHRASE_FORMS).format(words=" ".join(picked)), "paraphrase", entry.id)


def out_of_scope_query(rng: random.Random) -> Query:
    form = rng.choice(OFF_TOPIC_FORMS)
    return Query(form.format(**{key: rng.choice(values) for key, values in OFF_TOPIC_WORDS.items()}), "out-of-scope")


def long_query(rng: random.Random, entry: Entry, flavour: int) -> Query:
    """A pasted log after a question or before it, or a wall of the entry's own words."""
    question = rng.choice(entry.aliases)
    log = "".join(LOG_LINE.format(second=n % 60, worker=n % 7, attempt=n, line=100 + n)
                  for n in range(LONG_MESSAGE_CHARS // 50))
    own_words = words_of(" ".join((*entry.aliases, *entry.answer)))
    texts = (f"{question}\n{log}", f"{log}\n{question}", " ".join(rng.choices(own_words, k=LONG_MESSAGE_CHARS // 4)))
    return Query(texts[flavour % 3][:LONG_MESSAGE_CHARS], "long")


def make_queries(shipped: KnowledgeBase, count: int, seed: int, long_count: int | None = None) -> list[Query]:
    """`count` seeded messages mixing aliases, misspelt aliases, paraphrases, off-topic and very long ones."""
    rng = random.Random(seed)
    long_count = min(count, max(3, count // 100)) if long_count is None else long_count
    ordinary = count - long_count
    kinds = [kind for kind, share in KIND_SHARES.items() for _ in range(round(ordinary * share))]
    kinds = (kinds + ["alias"] * ordinary)[:ordinary]
    builders = {"alias": alias_query, "typo": typo_query, "paraphrase": paraphrase_query}
    queries = [out_of_scope_query(rng) if kind == "out-of-scope" else builders[kind](rng, rng.choice(shipped.entries))
               for kind in kinds]
    queries += [long_query(rng, rng.choice(shipped.entries), flavour) for flavour in range(long_count)]
    rng.shuffle(queries)
    return queries
