"""How the Slack adapter talks to Slack: Web API and response_url clients with retry rules, and the HTTP endpoint."""

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from aiohttp import ClientConnectorError, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
BODY_SECONDS = 10.0
HEALTH_PATH = "/healthz"
# Methods that create a message: Slack has no idempotency key for them, so a blind retry can post twice.
POSTING_METHODS = ("chat.postMessage", "chat.postEphemeral")


class PostOnceRetryHandler(AsyncConnectionErrorRetryHandler):
    """Retries a failed connection, except one that may have delivered a new message already.

    A connection that was never opened is always retried: Slack never saw the request. A connection dropped
    after a posting request was sent is not: the message may be in the channel, and a second one would
    duplicate it. The bot logs that reply as possibly lost instead; the person can ask again.
    """

    def __init__(self, is_posting: Callable[[str], bool]):
        super().__init__(max_retry_count=2)
        self.is_posting = is_posting

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:
        if isinstance(error, ClientConnectorError):
            return True
        if self.is_posting(request.url):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def is_posting_method(url: str) -> bool:
    return url.rstrip("/").rsplit("/", 1)[-1] in POSTING_METHODS


def retry_handlers(is_posting: Callable[[str], bool], wait_out_rate_limits: bool = True) -> list:
    # Slack answers 429 with Retry-After; slack_sdk waits that long (plus up to 1 s of jitter) and tries again.
    handlers = [PostOnceRetryHandler(is_posting)]
    return handlers + [AsyncRateLimitErrorRetryHandler(max_retry_count=3)] if wait_out_rate_limits else handlers


def build_web_client(token: str, base_url: str, session: aiohttp.ClientSession | None = None,
                     wait_out_rate_limits: bool = True) -> AsyncWebClient:
    """With `session`, every Web API call reuses its connections; without, slack_sdk opens one per call.

    The scheduler's client does not wait out rate limits inside a call: a 429 comes back at once, and the
    scheduler tries again after Retry-After, outside any send timeout that could cut off an accepted post."""
    return AsyncWebClient(token=token, base_url=base_url, session=session,
                          retry_handlers=retry_handlers(is_posting_method, wait_out_rate_limits))


async def post_message(client: AsyncWebClient, channel: str, thread: str | None, message: dict) -> str:
    """Posts once: '' when posted, else Slack's error code, or 'dropped' for a connection lost on the way.

    A dropped connection is not retried (see PostOnceRetryHandler): the reply may be in the
    channel already, and a second copy is worse than a reply the person can ask for again.
    """
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread, unfurl_links=False, unfurl_media=False,
                                      **message)
        return ""
    except SlackApiError as error:
        code = str(error.response.get("error"))
        log.error("Slack refused a reply in %s: %s", channel, code)
        return code
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.error("a reply in %s may not have been delivered (%s); not retried, so it is never posted twice",
                  channel, type(error).__name__)
        return "dropped"


async def look_up_user(client: AsyncWebClient, user_id: str) -> dict | None:
    """users.info's `user` object (needs the users:read scope); None, logged, when Slack will not say."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info refused for %s: %s", user_id, error.response.get("error"))
        return None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.warning("users.info for %s failed: %s", user_id, type(error).__name__)
        return None
    user = response.get("user")
    return user if isinstance(user, dict) else None


async def send_to_response_url(url: str, session: aiohttp.ClientSession | None = None, **message) -> bool:
    """Posts to a slash command's or a button's response_url; False (logged) when Slack refused it."""
    client = AsyncWebhookClient(url=url, session=session, retry_handlers=retry_handlers(lambda _url: True))
    try:
        response = await client.send_dict(message)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.error("a response_url message may not have been delivered (%s); not retried, so it is never posted "
                  "twice", type(error).__name__)
        return False
    if response.status_code != 200:
        log.error("Slack refused a response_url message: %s %s", response.status_code, response.body[:200])
        return False
    return True


def has_valid_signature(verifier: SignatureVerifier, body: bytes, headers) -> bool:
    """Slack's signature check; a missing, stale (> 5 min) or garbled timestamp or signature is invalid."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    # A timestamp is ten ASCII digits today; anything else (hundreds of digits, other scripts' digits) is refused
    # here, before it can overflow the age check.
    if not (timestamp.isascii() and timestamp.isdecimal() and len(timestamp) <= 12) or not signature:
        return False
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def check_shape(body) -> None:
    """ValueError for shapes Bolt's own middleware would trip over (answering 500, which Slack retries)."""
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        raise ValueError("event_callback without an event object")
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(action, dict) for action in actions):
            raise ValueError("block_actions without a list of actions")
        if not isinstance(body.get("user"), dict):
            raise ValueError("block_actions without a user")


class Rejections:
    """One log line per rejected request, at most once every `seconds`: a flood of bad requests cannot flood the
    log; the line after a quiet spell says how many were not logged."""

    def __init__(self, seconds: float = 10.0):
        self.seconds = seconds
        self.last = float("-inf")
        self.unlogged = 0

    def log(self, message: str, *args) -> None:
        now = time.monotonic()
        if now - self.last < self.seconds:
            self.unlogged += 1
            return
        if self.unlogged:
            message += f" ({self.unlogged} more rejected since the last such line)"
        self.last, self.unlogged = now, 0
        log.warning(message, *args)


def events_handler(app: AsyncApp, signing_secret: str):
    """The aiohttp handler for Slack's requests: the signature checked once, here; malformed bodies get 400."""
    verifier = SignatureVerifier(signing_secret)
    rejections = Rejections()

    async def handle_slack(request: web.Request) -> web.Response:
        try:
            # A client that trickles its body must not hold a connection that real deliveries need.
            body = await asyncio.wait_for(request.read(), BODY_SECONDS)
        except asyncio.TimeoutError:
            rejections.log("gave up on a request to %s whose body did not arrive within %g s", EVENTS_PATH,
                           BODY_SECONDS)
            return web.Response(status=408, text="request body too slow")
        if not has_valid_signature(verifier, body, request.headers):
            rejections.log("rejected a request to %s without a valid Slack signature", EVENTS_PATH)
            return web.Response(status=401, text="invalid signature")
        try:
            # Bolt parses the body while building the request, and trips on JSON that is not an object.
            bolt_request = await to_bolt_request(request)
            check_shape(bolt_request.body)
        except (ValueError, AttributeError, TypeError) as error:
            rejections.log("ignored a malformed Slack payload (%d bytes): %s", len(body), error)
            return web.Response(status=400, text="malformed payload")
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return handle_slack


def build_web_app(app: AsyncApp, signing_secret: str, health: Callable[[], dict]) -> web.Application:
    """Slack's requests at /slack/events and /healthz, for running Slack's HTTP mode on its own."""

    async def handle_health(_request: web.Request) -> web.Response:
        return web.json_response(health())

    web_app = web.Application()
    web_app.router.add_post(EVENTS_PATH, events_handler(app, signing_secret))
    web_app.router.add_get(HEALTH_PATH, handle_health)
    return web_app


async def start_http_server(web_app: web.Application, host: str, port: int) -> web.AppRunner:
    """Listening when it returns; `runner.addresses` holds the port (useful when `port` is 0)."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
