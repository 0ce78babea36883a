"""How the bot logs: LOG_LEVEL, LOG_FORMAT=json, and library chatter that tells an operator nothing, quieted."""

import json
import logging
import sys
from datetime import datetime, timezone

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Fields a log call may add with `extra=`; nothing else of a record goes into a JSON line.
EXTRA_FIELDS = ("platform", "event_id", "question_id", "schedule_id", "post_id", "quiz_id", "channel")


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, event, and the ids a call adds."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "event": record.getMessage()}
        line.update({name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class BriefReconnects(logging.Filter):
    """discord.py logs each reconnect attempt with a full traceback; the operator needs one line: why."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and "reconnect" in str(record.msg).lower():
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} after {type(error).__name__}: {error}"
            record.args = ()
            record.exc_info = None
        return True


def configure_logging(level: str = "WARNING", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if as_json else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(BriefReconnects())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Each logs at INFO what only a library developer needs (gateway frames, HTTP retries, session ids).
    for chatty in ("discord", "slack_bolt", "slack_sdk", "aiohttp.access"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLevelName(level)))
