"""Daily tips: which entry a channel sees next, so every entry comes once before any repeats."""

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .knowledge import Entry

TIP_TITLE = "Tip of the day"


@dataclass(frozen=True)
class Tip:
    """What a channel is shown: the entry, its related questions (buttons that answer them), a title."""

    entry: Entry
    related: tuple[Entry, ...] = ()
    title: str = TIP_TITLE


def is_round_over(entries: Sequence[Entry], shown_in_round: Collection[str]) -> bool:
    """True when every current entry was shown in this round; ids of entries since removed do not count."""
    return all(entry.id in shown_in_round for entry in entries)


def next_tip(entries: Sequence[Entry], shown_in_round: Collection[str], rng: random.Random,
             last_shown: str | None = None) -> Entry:
    """A random entry not yet shown in this round; when the round is over, any entry of a new round.

    Picking at random among the unshown is the same as walking a shuffled order, without storing the order:
    entries added to the knowledge mid-round simply join the current round.
    """
    if not entries:
        raise ValueError("there are no knowledge entries to choose a tip from")
    unshown = [entry for entry in entries if entry.id not in shown_in_round]
    if unshown:
        return rng.choice(unshown)
    # A new round must not open with the tip that closed the last one: that would be the same tip two days running.
    fresh = [entry for entry in entries if entry.id != last_shown] or list(entries)
    return rng.choice(fresh)
