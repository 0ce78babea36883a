"""Turns chat text into comparable terms: normalisation, abbreviations, stop words and a light stemmer."""

import re
import unicodedata
from functools import lru_cache

# Longest message the matcher reads; a pasted log of 50,000 characters must not cost 50,000 characters of work.
MAX_MATCHED_CHARS = 500

# Chat shorthand people type for backend words, expanded before stemming so "k8s" and "kubernetes" meet.
ABBREVIATIONS = {
    "k8s": "kubernetes",
    "kube": "kubernetes",
    "db": "database",
    "dbs": "databases",
    "pg": "postgres",
    "psql": "postgres",
    "postgresql": "postgres",
    "prod": "production",
    "env": "environment",
    "envs": "environments",
    "o11y": "observability",
    "gql": "graphql",
    "api": "api",
    "apis": "api",
    "perf": "performance",
    "infra": "infrastructure",
    "auth": "authentication",
    "authn": "authentication",
    "authz": "authorization",
    "config": "configuration",
    "msg": "message",
    "msgs": "messages",
    "svc": "service",
    "svcs": "services",
    "microservice": "micro service",
    "microservices": "micro services",
    "webhooks": "webhook",
    "repo": "repository",
    "deps": "dependencies",
    "idempotency": "idempotent",
    "idempotence": "idempotent",
    "idempotently": "idempotent",
    "cicd": "ci cd",
    "ec2": "ec2",
    "aws": "aws",
    "faas": "serverless",
    "lambdas": "lambda",
    "e2e": "end to end",
    "req": "request",
    "reqs": "requests",
    "resp": "response",
    "tx": "transaction",
    "txn": "transaction",
    "txns": "transactions",
    "ddos": "ddos",
    "sql": "sql",
    "eli5": "explain",
    "whats": "what",
}

# Everyday words for one idea, folded to one word on both sides (question and knowledge) so a person need not
# use the knowledge's own wording: "it ran twice", "duplicate rows" and "double charge" all meet.
SYNONYMS = {
    **dict.fromkeys("twice double doubled duplicated duplicates repeated dupes dupe".split(), "duplicate"),
    **dict.fromkeys("sluggish laggy slowness slowly".split(), "slow"),
    **dict.fromkeys("crash crashes crashed crashing dies died dying outage outages".split(), "failure"),
    **dict.fromkeys("servers boxes vms vm instances".split(), "server"),
    **dict.fromkeys("simultaneous simultaneously concurrently parallel".split(), "concurrent"),
    **dict.fromkeys("broadcast publish publishes subscribe subscribers pubsub".split(), "event"),
}

STOP_WORDS = frozenset(
    """
    a about above after again all also am an and any are as at be been before being below between both but by
    can could did do does doing done during each either else ever few for from further get gets getting
    got had has have having he her here hers him his  i if in into is it its itself just let lets like me
    might more most must my myself no nor not now of off on once only or other our ours ourselves out over own
    please same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were where which while who whom  will with
    would you your yours yourself yourselves hey hi hello thanks thank ok okay yeah yes guys folks team anyone
    someone somebody something anything thing things stuff really actually basically maybe kind sort best way
    ways good better use using used need needs want wants know tell help us im ive dont cant wont isnt
    arent doesnt didnt go going make makes made keep keeps one
    pls plz tbh imo btw fyi lol u ur ya
    keeping kept knows knew helped helps helping likes liked others elses teams mostly wanted needed needing
    told telling uses gonna wanna
    """.split()
)

# Everyday words that say little about which backend topic is meant: they still count, but only a little, so
# "what does this mean" or "who broke it" never looks like a strong match on their account. Question words are
# here rather than among the stop words because "why" and "how" tell "why observability" from "how to
# implement observability".
GENERIC_WORDS = frozenset(
    """
    problem problems issue issues mean means meaning everyone everybody because broke broken break breaks
    work works working worked time times right wrong new big small lot lots fix fixing fixed happen happens
    happening idea ideas advice tip tips practice practices practise approach approaches question questions
    answer people ppl person day days week today tomorrow yesterday night morning hour minute start started
    stop stopped look looks looking find found try tried trying think thought say said ask asked call
    called show shows see seen give put take took come came first last next every many much few whole part
    point end case cases example simple simplest easy hard difficult common general specific
    handle handling deal dealing approach typical usual normal proper correct correctly properly right
    guide guidance rule rules thumb recommend recommendation suggestions suggest opinion thoughts pros cons
    vs versus between difference compare worth option options choose choice pick decide better worse
    how why when what explain meaning making
    """.split()
)

# Said in passing, before or inside a question ("wait, what does idempotent mean"): never what it asks about.
INTERJECTIONS = frozenset("wait ok okay hey hmm um uh btw lol".split())

# Everyday phrases for one idea, read as a single word before the words are split.
PHRASES = {"at the same time": "concurrently", "at once": "concurrently"}
_PHRASE = re.compile(r"\b(" + "|".join(re.escape(phrase) for phrase in PHRASES) + r")\b")

_TOKEN = re.compile(r"[a-z0-9]+")
# Longest first, so "optimisation" loses "isation" rather than "ation"; -ise and -ize end up the same.
_SUFFIXES = tuple(sorted(set("""
    ational ization isation fulness ousness iveness tional ically ability ation ition ement ment ness ility
    ity able ible ical ized ised izing ising ize ise ing ency ence ancy ance ent ant ated ating ate ed er ly
    al ive ic
    """.split()), key=len, reverse=True))
_KEEP_WHOLE = frozenset({"kubernetes", "postgres", "redis", "aws", "ddos", "graphql", "rest", "ci", "cd", "sql",
                         "ec2", "vercel", "docker", "kafka", "status", "cors", "https", "jwt", "oauth"})


def normalise(text: str) -> str:
    """Lower-case ASCII text with markup, mentions and accents folded away, capped in length."""
    text = text[: MAX_MATCHED_CHARS * 4]
    text = re.sub(r"<[@#!][^>]*>", " ", text.replace("\u2019", "'"))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    # "how's" is "how is", not a word "hows" for typo repair to turn into "show"; "don't" becomes "dont".
    text = re.sub(r"'s\b", "", text.replace("ci/cd", "ci cd")).replace("'", "")
    return text[:MAX_MATCHED_CHARS]


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A light English stemmer: plurals first, then one derivational suffix, so related forms meet."""
    if word in _KEEP_WHOLE or len(word) <= 4:
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]
    if len(word) > 4 and word.endswith("y") and word[-2] not in "aeiou":
        word = word[:-1]
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def tokenise(text: str) -> list[str]:
    """Words of `text` after normalisation and abbreviation expansion, stop words kept."""
    words: list[str] = []
    for token in _TOKEN.findall(_PHRASE.sub(lambda found: PHRASES[found.group(1)], normalise(text))):
        words.extend(SYNONYMS.get(word, word) for word in ABBREVIATIONS.get(token, token).split())
    return words


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A surrogate code point in a str is always a lone one (a whole pair is one code point).
_SURROGATES = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with each lone surrogate made U+FFFD: bytes a terminal could not decode, or half a pair escaped in an
    event's JSON. Such a string cannot be stored, written as UTF-8 or shown."""
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


def without_controls(text: str) -> str:
    """`text` without control characters (line breaks and tabs kept): what people typed, safe for a terminal."""
    return _CONTROLS.sub("", text)
