"""What every platform gives `serve` and what `serve` gives it: the Platform interface and the Runtime."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Settings
from ..lease import LeaseHolder
from ..scheduler import Scheduler
from ..service import Service

CONNECTING, CONNECTED, DISCONNECTED = "connecting", "connected", "disconnected"
# Another replica holds the platform's one session (Discord's gateway); this one waits to take over. Healthy.
STANDBY = "standby"


@dataclass
class Link:
    """How a platform's connection stands, for /healthz; `probe`, when set, is asked instead of `state`."""

    state: str = CONNECTING
    probe: Callable[[], bool] | None = None

    @property
    def is_up(self) -> bool:
        return self.probe() if self.probe is not None else self.state in (CONNECTED, STANDBY)

    def describe(self) -> str:
        if self.probe is not None:
            return CONNECTED if self.probe() else DISCONNECTED
        return self.state


@dataclass
class Runtime:
    """Everything a platform runs with: the service, the scheduler, its settings, its link for /healthz, and a
    way to answer HTTP requests on the operator's port (`mount(path, handler)`; None when no port is open)."""

    service: Service
    scheduler: Scheduler
    settings: Settings
    link: Link = field(default_factory=Link)
    mount: Callable[[str, Callable[..., Awaitable]], None] | None = None
    # For a platform only one replica may serve at a time: the lease that decides which (None: no lease needed).
    lease: LeaseHolder | None = None


class Platform(Protocol):
    name: str
    # True when only one process may serve the platform at a time (one Discord gateway session per bot).
    needs_lease: bool

    def check(self, settings: Settings) -> None:
        """Raises ConfigError naming the variable when the platform's settings cannot work."""

    def needs_port(self, settings: Settings) -> bool:
        """True when the platform receives HTTP requests (Slack's HTTP mode)."""

    async def run(self, runtime: Runtime) -> None:
        """Serves until cancelled; registers the platform's publisher with the scheduler once connected."""
