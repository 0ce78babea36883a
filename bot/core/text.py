"""Turns chat text into comparable terms: normalisation, abbreviations, stop words and a light stemmer."""

import re
import unicodedata

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
}

STOP_WORDS = frozenset(
    """
    a about above after again all also am an and any are as at be been before being below between both but by
    can could did do does doing done during each either else ever few for from further get gets getting
    got had has have having he her here hers him his how i if in into is it its itself just let lets like me
    might more most must my myself no nor not now of off on once only or other our ours ourselves out over own
    please same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what whats when where which while who whom why will with
    would you your yours yourself yourselves hey hi hello thanks thank ok okay yeah yes guys folks team anyone
    someone somebody something anything thing things stuff really actually basically maybe kind sort best way
    ways good better use using used need needs want wants know tell explain help us im ive dont cant wont isnt
    arent doesnt didnt go going make makes made keep keeps one
    """.split()
)

_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = (
    "ational", "ization", "fulness", "ousness", "iveness", "tional", "ations", "ically", "nesses",
    "ments", "ation", "ities", "ising", "izing", "ility", "ement", "ness", "ment", "ings", "able",
    "ible", "ical", "ized", "ised", "izes", "ises", "ing", "ies", "ity", "ize", "ise", "ers",
    "ed", "es", "er", "ly", "al", "s",
)
_KEEP_WHOLE = frozenset({"kubernetes", "postgres", "redis", "aws", "ddos", "graphql", "rest", "ci", "cd", "sql",
                         "ec2", "vercel", "docker", "kafka", "status", "cors", "https", "jwt", "oauth"})


def normalise(text: str) -> str:
    """Lower-case ASCII text with markup, mentions and accents folded away, capped in length."""
    text = text[: MAX_MATCHED_CHARS * 4]
    text = re.sub(r"<[@#!][^>]*>", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("ci/cd", "ci cd").replace("'", "")
    return text[:MAX_MATCHED_CHARS]


def stem(word: str) -> str:
    if word in _KEEP_WHOLE or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]
    return word.rstrip("e") if len(word) > 5 else word


def tokenise(text: str) -> list[str]:
    """Words of `text` after normalisation and abbreviation expansion, stop words kept."""
    words: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        words.extend(ABBREVIATIONS.get(token, token).split())
    return words


def to_terms(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, duplicates kept."""
    return [stem(word) for word in tokenise(text) if word not in STOP_WORDS and len(word) > 1]
