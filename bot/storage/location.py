"""Where the state lives: a SQLite file or a PostgreSQL URL, and that URL said without its password."""

import re
from pathlib import Path
from urllib.parse import unquote

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
HIDDEN = "***"
# The user part's password runs from the first ':' to the LAST '@': a password typed with an unencoded '#', '?',
# '/', '@' or ':' is hidden whole. A URL with a port, no password and an '@' further on loses more than its password
# to this, never less.
_NETLOC_PASSWORD = re.compile(r"\A[^:]*://[^:]*:(.*)@", re.DOTALL)
# A conninfo `password=` parameter runs to the next '&' (libpq gives '#' no meaning there).
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&]*)", re.IGNORECASE)
# Where libpq ends a URL's user part (at the first '@', or at a '/' before any '@'): an '@' or '/' typed inside it
# cuts the password, and the pieces reach the driver's messages as a host, a port or a database name.
MISREAD = ("the driver's message is not shown, as it may quote part of the password: "
           "write an '@' or '/' in the user name or password as %40 or %2F")


def is_postgres(location: Path | str) -> bool:
    return isinstance(location, str) and location.lower().startswith(POSTGRES_SCHEMES)


def redacted(location: Path | str) -> str:
    """The location as it may be shown: a URL's password, in the user part or the query, replaced by ***."""
    text = str(location)
    shown, end = [], 0
    for start, stop in _password_spans(text):
        shown += [text[end:start], HIDDEN]
        end = stop
    return "".join(shown) + text[end:]


# Passwords inside any text (an error nobody wrote a message for), where the location is not known: a URL's
# user:PASSWORD@ and a `password=` parameter, each to its first natural end.
_TEXT_NETLOC_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/@:]*:)\S*@", re.IGNORECASE)
_TEXT_QUERY_PASSWORD = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def without_passwords(text: str) -> str:
    """`text` with whatever looks like a password in a URL or a `password=` parameter replaced by ***."""
    text = _TEXT_NETLOC_PASSWORD.sub(rf"\g<1>{HIDDEN}@", text)
    return _TEXT_QUERY_PASSWORD.sub(rf"\g<1>{HIDDEN}", text)


def without_password(message: str, location: Path | str) -> str:
    """`message` (a driver's error, say) with the location's password taken out wherever it appears."""
    if _is_misread(str(location)):
        return MISREAD
    for secret in _passwords(str(location)):
        message = message.replace(secret, HIDDEN)
    return message.replace(str(location), redacted(location))


def _password_spans(url: str) -> list[tuple[int, int]]:
    """Where the passwords are in `url`, overlapping ones merged, so that hiding one never shows part of another."""
    if not is_postgres(url):
        return []
    found = sorted(match.span(1) for pattern in (_NETLOC_PASSWORD, _QUERY_PASSWORD) for match in pattern.finditer(url))
    merged: list[tuple[int, int]] = []
    for start, stop in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        elif stop > start:
            merged.append((start, stop))
    return merged


def _is_misread(url: str) -> bool:
    password = _NETLOC_PASSWORD.match(url) if is_postgres(url) else None
    if password is None:
        return False
    user_part = url[url.index("://") + 3:password.end(1)]
    return "@" in user_part or "/" in user_part


def _passwords(url: str) -> list[str]:
    found = [url[start:stop] for start, stop in _password_spans(url)]
    # A driver may quote the password as typed or percent-decoded: hide both spellings.
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)
