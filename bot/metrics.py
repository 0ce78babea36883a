"""What the bot counts for operators, in Prometheus' text format: one registry per running bot.

Only `serve` has someone to read the figures (its /metrics page); a one-off command such as `ask` counts nothing and
so never imports prometheus-client (and the HTTP machinery it brings), which keeps the terminal's start-up short."""

CONTENT_TYPE = "text/plain; charset=utf-8"
REPLY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Uncounted:
    """Stands for a counter, gauge or histogram nobody will read: every call does nothing."""

    def labels(self, *values: str) -> "_Uncounted":
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def set(self, value: float) -> None:
        pass

    def observe(self, value: float) -> None:
        pass


class Metrics:
    def __init__(self, counting: bool = True):
        self.counting = counting
        if not counting:
            self.questions = self.feedback = self.deduplicated = self.posts = self.retries = self.failures = \
                self.reply_seconds = self.entries = _Uncounted()
            return
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
                                       ["platform"], registry=self.registry, buckets=REPLY_BUCKETS)
        self.entries = Gauge("backend_bot_knowledge_entries", "Knowledge entries loaded", registry=self.registry)

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        if not self.counting:
            raise RuntimeError("these metrics were made for a one-off command and count nothing")
        return generate_latest(self.registry)
