"""What a person is told after a vote or a "none of these": the same words on every platform."""

HELPFUL, NOT_HELPFUL, NONE_OF_THESE = "helpful", "not_helpful", "none_of_these"
VERDICTS = (HELPFUL, NOT_HELPFUL, NONE_OF_THESE)
MISS_NOTE = ("Thanks, noted that none of these matched: it is logged so the knowledge base can grow. "
             "Try asking in other words.")


def feedback_note(votes: list[str]) -> str:
    """The thank-you line under an answer, counting everyone's current vote."""
    helpful, not_helpful = votes.count(HELPFUL), votes.count(NOT_HELPFUL)
    people = "person" if helpful == 1 else "people"
    return f"Thanks for the feedback! {helpful} {people} found this helpful, {not_helpful} did not."
