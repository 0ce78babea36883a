"""Questions about the team's own people, schedule, places, files and numbers, and definitions or comparisons of
things no entry is about, are never answered: at most the bot offers suggestions."""

import pytest

from bot.core.replies import ANSWERED, Responder
from bot.core.scope import is_comparison, is_definition, is_team_lookup, is_tool_manual
from bot.knowledge_files import load_knowledge, shipped_folder
from bot.semantic import closeness_for


@pytest.fixture(scope="module", params=["lexical", "fused"])
def responder(request) -> Responder:
    return Responder(load_knowledge([shipped_folder()]), closeness_for if request.param == "fused" else None)


TEAM_LOOKUPS = [
    "who approves production deploys here",
    "who owns the payments service",
    "when is the next release freeze",
    "what's our staging URL",
    "what is the database password for staging",
    "where is the docker compose file in our repo",
    "where do we keep the runbook for the cache cluster",
    "how many engineers are we hiring this quarter",
    "how much was our aws bill last month",
    "is the deploy meeting moved to friday",
    "which channel do we use for incidents",
    "where's the runbook for the payments service",
    "what's our vercel team name so I can get invited?",
    "what's the github actions secret name for the npm token",
    "did anyone book a room for the data modelling workshop?",
    "is the CI pipeline broken for everyone or just me right now?",
    "does anyone know who owns the billing repo",
    "where are the grafana dashboards for payments",  # holds an alias's words ("grafana dashboards for the api")
    "could you share the link to the incident postmortem doc",
    "link to the on-call calendar pls",
    "can somebody give me access to the billing bucket",
    "pls dm me the redis connection string for staging",
    "hey can someone please send me the vpn config",
    "send the grafana link pls",
    "can i get access to the billing bucket",
    "link to the checkout dashboard pls",
    "can someone give me the vpn config",
    "anyone have the link to the grafana dashboard?",
    "who can give me access to prod",
    "hey can you send me the kubeconfig",
    "i need access to the billing bucket",
    "can i get the datadog login",
    "is the link to the team grafana dashboard pinned somewhere?",
    "what is the password?",
    "what is the aws bill this month",
    "whats the zoom link for standup",
    "what's the budget for the observability tools renewal",
]


@pytest.mark.parametrize("question", TEAM_LOOKUPS)
def test_a_look_up_of_the_teams_own_facts_is_never_answered(responder, question):
    assert is_team_lookup(question)
    assert responder.reply_to(question).status != ANSWERED


@pytest.mark.parametrize("question", ["what is nginx", "what's postgres", "define gunicorn", "is python faster than go",
                                      "is java better than rust"])
def test_a_definition_or_comparison_of_something_no_entry_is_about_is_never_answered(responder, question):
    assert is_definition(question) or is_comparison(question)
    assert responder.reply_to(question).status != ANSWERED


@pytest.mark.parametrize("question, entry_id", [("what is redis", "when-cache"),
                                                ("what's a kubernetes pod?", "vercel-serverless-k8s-ec2")])
def test_a_definition_of_what_an_entry_only_tags_or_names_in_passing_is_not_answered_with_it(
        responder, question, entry_id):
    assert is_definition(question)
    reply = responder.reply_to(question)
    assert reply.status != ANSWERED
    if responder.closeness is not None:  # meaning still offers it: it may be what they want
        assert entry_id in [match.entry.id for match in reply.suggestions]


@pytest.mark.parametrize("question, entry_id", [("what is a cache", "when-cache"), ("what is an idempotency key",
                                                "make-idempotent"), ("what is a state machine", "when-state-machine")])
def test_a_definition_of_what_an_entry_itself_is_about_is_answered_with_it(responder, question, entry_id):
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question", ["what does kafka stand for", "what does SLA mean?", "whats k8s short for",
                                      "what does a reverse proxy do?"])
def test_what_a_name_stands_for_is_a_definition_answered_only_by_an_entry_about_it(responder, question):
    assert is_definition(question)
    assert responder.reply_to(question).status != ANSWERED


@pytest.mark.parametrize("question", ["how do I install kafka on my mac?", "how to install docker on windows",
                                      "what does the -p flag do in docker run", "what does the --force flag do"])
def test_a_page_of_a_tools_manual_is_never_answered(responder, question):
    assert is_tool_manual(question)
    assert responder.reply_to(question).status != ANSWERED


@pytest.mark.parametrize("question, entry_id", [
    ("what does idempotent mean?", "what-is-idempotent"),
    ("how do we update the database schema with no downtime", "db-migrations"),
    ("how do we update a balance without two workers racing", "concurrency-shared-resource"),
])
def test_meanings_upgrades_and_updates_that_are_backend_questions_are_still_answered(responder, question, entry_id):
    assert not is_tool_manual(question)
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question, entry_id", [
    ("where should we store secrets and api keys", "security"),
    ("when should we add a cache", "when-cache"),
    ("how do we scale our api", "scale-backend"),
    ("our api falls over at peak, what do we do", "scale-backend"),
    ("what is idempotency", "what-is-idempotent"),
    ("rest vs graphql for our new app", "rest-vs-graphql"),
    ("kafka vs rabbitmq for our events", "event-driven"),
])
def test_backend_questions_that_mention_the_team_or_ask_what_something_is_are_still_answered(
        responder, question, entry_id):
    assert not is_team_lookup(question)
    reply = responder.reply_to(question)
    assert (reply.status, reply.entry.id) == (ANSWERED, entry_id)


@pytest.mark.parametrize("question", [
    "when the job crashes halfway we end up in a broken state, how do we recover",
    "where do i start with scaling our backend",
    "which database should we use for our ledger",
    "who should own database migrations in a small team",
    "where do I even start tuning the sql for the reports endpoint",
    "frontend team wants graphql, backend prefers rest. who's right?",
    "found orders whose customer_id points to customers that don't exist anymore, how do I prevent it",
    "how do nodes agree on who's the leader without a single point of failure?",
    "works on my machine: is containerizing everything the fix, and when is it overkill",
    "what's the secret to scaling a backend",
])
def test_a_condition_or_a_request_for_advice_is_not_mistaken_for_a_look_up(question):
    assert not is_team_lookup(question)


@pytest.mark.parametrize("question", [
    "how do services share data without sharing a database",
    "can we share config between services?",
    "should the api give us back the whole object after an update",
    "stripe can send us the same webhook twice, how do i make the handler idempotent?",
    "retries are killing us, clients send us the same payment twice",
    "give me the pros and cons of microservices",
    "can you give me a simple example of eventual consistency",
    "should the api response include a link to the next page?",
    "how do i generate a signed link to the file in s3",
    "how do i expire a password reset link",
    "send the password reset email from a worker?",
    "send the token in a header or a cookie?",
    "send the refresh token to the client?",
    "share the secret with the sidecar via a volume?",
    "forward the config to each replica",
    "get access logs from nginx",
    "give me access patterns for dynamodb",
    "can i get access to the request headers in a grpc interceptor?",
    "will we have access to env vars at build time in docker?",
    "link for pagination: cursor or offset?",
    "the link for the next page in a paginated api",
])
def test_a_question_that_sends_shares_gives_or_links_is_not_a_request_to_be_handed_something(question):
    assert not is_team_lookup(question)
