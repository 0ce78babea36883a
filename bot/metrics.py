"""What the bot counts for operators, in Prometheus' text format: one registry per running bot."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.questions = Counter("backend_bot_questions", "Questions answered, by platform and outcome",
                                 ["platform", "outcome"], registry=self.registry)
        self.feedback = Counter("backend_bot_feedback", "Votes and 'none of these', by verdict", ["verdict"],
                                registry=self.registry)
        self.deduplicated = Counter("backend_bot_events_deduplicated",
                                    "Repeated deliveries of an event that were not answered again", ["platform"],
                                    registry=self.registry)
        self.posts = Counter("backend_bot_scheduled_posts", "Scheduled posts and reveals, by result", ["result"],
                             registry=self.registry)
        self.retries = Counter("backend_bot_send_retries", "Scheduled sends that will be tried again, by reason",
                               ["reason"], registry=self.registry)
        self.failures = Counter("backend_bot_failures", "Flows that ended in the apology, by kind", ["kind"],
                                registry=self.registry)
        self.reply_seconds = Histogram("backend_bot_reply_seconds", "Time from a request to its reply, by platform",
                                       ["platform"], registry=self.registry,
                                       buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.entries = Gauge("backend_bot_knowledge_entries", "Knowledge entries loaded", registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
