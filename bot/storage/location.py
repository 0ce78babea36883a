"""Where the state lives: a SQLite file or a PostgreSQL URL, and that URL said without its password."""

import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
HIDDEN = "***"
# The netloc's password (user:PASSWORD@host) and a conninfo `password=` parameter, however the URL is malformed.
_NETLOC_PASSWORD = re.compile(r"(://[^:/@?#]*:)[^@/?#]*(@)")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def is_postgres(location: Path | str) -> bool:
    return isinstance(location, str) and location.lower().startswith(POSTGRES_SCHEMES)


def redacted(location: Path | str) -> str:
    """The location as it may be shown: a URL's password, in the user part or the query, replaced by ***."""
    text = str(location)
    if not is_postgres(text):
        return text
    text = _NETLOC_PASSWORD.sub(rf"\g<1>{HIDDEN}\g<2>", text)
    return _QUERY_PASSWORD.sub(rf"\g<1>{HIDDEN}", text)


def without_password(message: str, location: Path | str) -> str:
    """`message` (a driver's error, say) with the location's password taken out wherever it appears."""
    for secret in _passwords(str(location)):
        message = message.replace(secret, HIDDEN)
    return message.replace(str(location), redacted(location))


def _passwords(url: str) -> list[str]:
    if not is_postgres(url):
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
        found += [value for key, value in parse_qsl(parts.query) if key.lower() == "password"]
    except ValueError:
        found = []
    found += [match.group(0)[len(match.group(1)):-1] for match in _NETLOC_PASSWORD.finditer(url)]
    # A driver may quote the password as typed or percent-decoded: hide both spellings.
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)
