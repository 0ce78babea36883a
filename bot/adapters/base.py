"""What every platform gives `serve`: its name, a check of its settings, and a coroutine that runs it."""

from typing import Protocol

from ..config import Settings
from ..scheduler import Scheduler
from ..service import Service


class Platform(Protocol):
    name: str

    def check(self, settings: Settings) -> None:
        """Raises ConfigError naming the variable when the platform's settings cannot work."""

    async def run(self, service: Service, scheduler: Scheduler, settings: Settings, port: int | None) -> None:
        """Serves until cancelled; registers the platform's publisher with `scheduler` once connected."""
