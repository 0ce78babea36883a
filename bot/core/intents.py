"""What a question asks for: a reason (why), a method (how), a definition (what-is), a choice, or a time to act.

Entries may declare which of these they answer (`intents:` in a knowledge file). Between two entries about the
same thing ("what is idempotency" and "how do I make an endpoint idempotent") the words are shared; what the
question asks for is not, and it decides between them.
"""

import re
from dataclasses import replace

from .text import normalise

WHY, HOW, WHAT_IS, CHOOSE, WHEN = "why", "how", "what-is", "choose", "when"
INTENTS = (WHY, HOW, WHAT_IS, CHOOSE, WHEN)
# Of two entries on one subject, the one that declares only intents other than the question's loses this share of
# its score: "what is idempotency" goes to the definition, "how do I make it idempotent" to the how-to.
INTENT_MISMATCH = 0.85

# Checked in this order: a question can hold several cues ("how do I decide which queue to use" is a choice),
# and the more specific ask wins over "how", which people put in front of nearly everything.
_CUES = (
    (WHAT_IS, r"\bwhat (?:is|are|does|do) (?:an? |the )?[a-z0-9 -]{1,40}\bmean|\bmeaning\b|\bdefin(?:e|ition)\b"
              r"|\bexplain\b|\beli5\b|\bmeans? what\b|\bwhats? (?:is )?(?:the|this|that) \w+ thing\b|^\s*(?:so |wait |ok |hey )*(?:what is|whats|what are|what)\s+(?:an? )?\w+\s*"
              r"(?:\w+\s*)?\??\s*$|\bwhat (?:is|are) (?:an? )?(?!the\b|our\b|your\b|my\b|it\b|this\b|that\b)\w+"
              r"(?: \w+)?(?: (?:thing|concept|idea|term|pattern))?\s*\??\s*$|\bis an? \w+(?: \w+)? \w+ent\b"),
    (WHY, r"\bwhy\b|\bbenefits?\b|\bworth it\b|\bpoint of\b|\breally need\b|\bneed (?:it|this|that)\b"
          r"|\bwhat for\b|\bvalue of\b|\badvantages?\b|\bjustify\b|\bwaste of time\b|\bis it worth\b"),
    (WHEN, r"\bwhen (?:should|to|would|does|do|is it (?:worth|time|right)|is \w+ (?:worth|overkill))\b"
           r"|\bat what point\b|\bdo (?:i|we) need an?\b"),
    (CHOOSE, r"\bvs\.?\b|\bversus\b|\bwhich\b|\bor\b.*\?|\bbetter\b|\bbest\b|\bchoose\b|\bpick\b|\bcompare\b"
             r"|\bdifference between\b|\bshould (?:i|we) use\b"),
    (HOW, r"\bhow\b|\bsteps?\b|\bset ?up\b|\bimplement\b|\bways? to\b|\bprevent\b|\bstop\b|\bavoid\b|\bmake sure\b"),
)
_COMPILED = tuple((intent, re.compile(pattern)) for intent, pattern in _CUES)


def detect_intent(text: str) -> str:
    """The intent of a question (one of INTENTS), or '' when it gives no cue."""
    plain = normalise(text)
    for intent, pattern in _COMPILED:
        if pattern.search(plain):
            return intent
    return ""


def prefer_intent(matches: list, intent: str, headlines: dict[str, set[str]]) -> list:
    """Matches (bot.core.matcher.Match) re-ordered by intent: when some declare `intent`, each that declares only
    other intents and shares a word of its headline (question, label, tags, id) with one of them loses
    INTENT_MISMATCH of its score. Entries that declare nothing, or are on another subject, keep theirs."""
    declaring = [headlines[match.entry.id] for match in matches if intent in match.entry.intents]
    if not intent or not declaring:
        return matches
    adjusted = [replace(match, score=round(match.score * INTENT_MISMATCH, 1))
                if match.entry.intents and intent not in match.entry.intents
                and any(headlines[match.entry.id] & headline for headline in declaring) else match
                for match in matches]
    return sorted(adjusted, key=lambda match: -match.score)
