"""Whether a question is about the knowledge or only shares a word with it.

Three kinds of question look like backend questions to a word matcher and are not:
- a look-up of the team's own facts: its people, schedule, places, files and numbers ("who owns the payments
  service", "when is the next release freeze", "what's our staging URL", "is the deploy meeting moved to
  friday"). Knowledge is general; it holds no names, dates or passwords. Such a question asks who, when, where,
  which or how many in the indicative ("is", "does", "did", not "should"), about something specific: ours, the
  team's, this week's. So does a request to be handed one of the team's things ("can someone send me the vpn
  config", "link to the checkout dashboard pls", "give me access to the prod cluster"): a person's task, not a
  question for knowledge.
- a definition or comparison whose subject is not what any entry is about ("what is nginx", "what is redis", "is
  python faster than go"): an entry that only mentions the word in passing, or tags it, is not its answer.
- a page of a tool's manual ("how do I install kafka on my mac", "what does the -p flag do in docker run"): an entry
  may name the tool, but it is about using it in a system, not about setting it up.
None of these is ever answered; the matcher may still offer its suggestions.
"""

import re
from collections.abc import Callable

from .text import normalise

# Asking for a fact rather than for advice: a person, a time, a place, one of several things of ours, a count.
# Only at the start of a sentence or clause: "when the job crashes, how do we..." is a condition, not an ask; "where's
# the runbook" reads "where the runbook" once normalised.
_LOOKUP_ASK = re.compile(r"(?:^|[.?!,;:]\s*)(?:so |and |but |ok |hey )?(?:(?:when|where) (?:is|are|was|were|does|do|"
                         r"did|will|has|have|can)|where (?:the|our|my)|which \w+(?: \w+)? (?:is|are|was|were|does|do|"
                         r"did)|how many|how much)\b")
# Backend knowledge holds no people: "who owns", "who broke", "who is on call" are about the team.
_PERSON = re.compile(r"(?:(?:^|[.?!,;:]\s*)(?:so |and |but |ok |hey |also |then )?|\b(?:know|tell me|remember|ask|"
                     r"asking|wondering) )(?:who|whom|whose)\b|\b(?:what time|what day|what date)\b"
                     r"|^\s*did (?:anyone|anybody|someone|somebody)\b")
# Advice asks for what one ought to do, so it is knowledge even with "our" in it ("where should we keep secrets").
_ADVICE = re.compile(r"\b(?:should|shall|would|could|can|must|ought|need|needs|worth|best|better|recommended|"
                     r"makes? sense|overkill|useful|necessary|appropriate|good idea|right (?:tool|choice|call|way|fit|"
                     r"move|approach)|to (?:use|do|pick|choose|put|store|add|run|split|go))\b"
                     r"|\b(?:when|where|which|who) to\b|\bwho (?:is )?right\b"
                     r"|\bwhere (?:do|should|can|would) (?:i|we|you) (?:even |ever |best )?(?:start|begin)\b")
# A day on the calendar, not a habit ("every friday" is how a system behaves, not when a meeting is).
_DAY = r"(?<!every )(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CALENDAR = re.compile(r"\b(?:today|tonight|tomorrow|yesterday|right now|this (?:week|month|quarter|sprint)|"
                       r"(?:next|last) (?:week|month|quarter|sprint|year|release)|" + _DAY + r")\b")
# What makes a question specific to one team at one time: its people and things, a day on the calendar.
_SPECIFIC = re.compile(r"\b(?:our|ours|my|the|this|here|currently|(?:do|did|are|were) (?:we|i) (?:use|using|have)|"
                       r"next|last|today|tonight|tomorrow|yesterday|right now|" + _DAY + r"|"
                       r"(?:on|for|of) the \w+ (?:repo|repository|team|channel|service))\b")
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|did|will|has|have|do)\b")
# One of the team's own values: nobody's knowledge base holds the wifi password or this month's bill.
_OWN_VALUE = re.compile(r"\bwhat(?: is|s| are|re| was)? (?:(?:our|my|the team|the) )\w*\s?(?:\w+ )?(?:password|"
                        r"passwords|url|urls|address|ip|hostname|link|login|credentials|phone|number|email|bill|"
                        r"budget|salary|deadline|date|schedule|agenda|room|office|channel|extension|version|"
                        r"headcount|name|secret|token|invite)\b(?! to\b)"
                        r"|\bwhat(?: is|s| are|re) (?:our|my) \w+(?: \w+)?\s*\??\s*$")
# Asking to be handed one of the team's things (sent, shared, a link, access), not for knowledge. The ask opens a
# clause as a request does ("can someone send me", "pls dm me", "link to", "can I get access"), and what it names is
# a thing a team keeps, ending the ask: "stripe can send us the same webhook twice", "give me the pros and cons of
# microservices", "send the token in a header?" and "can I get access to the request headers" are not asks.
_TEAM_THING = (r"(?:links?|urls?|configs?|config file|kubeconfig|creds|credentials|passwords?|logins?|keys?|tokens?|"
               r"secrets?|connection string|docs?|document|dashboards?|invites?|invitation|runbooks?|playbooks?|"
               r"slides|deck|recording|notes|spreadsheet|sheet|calendar|ticket|repo|\.?env file|\.env|vpn|wiki|"
               r"postmortem)")
# Where access is asked to: the team's systems and accounts, not a part of a program ("access to the headers").
_TEAM_PLACE = (r"(?:buckets?|clusters?|repos?|repository|db|database|prod|production|staging|dashboards?|accounts?|"
               r"channel|vpn|servers?|box|instances?|project|org|workspace|grafana|sentry|datadog|aws|gcp|azure|"
               r"console|jira|confluence|notion|figma|github|gitlab|vault|namespace|wiki)")
# The ask ends with the thing: the end of the sentence, or a courtesy.
_ASK_ENDS = r"(?:\s*$|\s*[?.!,;:]| (?:again|pls|please|plz|thanks|thx|ty|asap)\b)"
# Sent to the asker ("send me the X for staging"), the thing may be followed by where it is from or for.
_SENT_ME_ENDS = r"(?:" + _ASK_ENDS + r"| (?:to|for|from|of)\b)"
_OPENS = r"(?:^|[.?!,;:]\s*)(?:hey |hi |yo |ok |so )?"
# Someone else asked ("can you", "could someone", "who can"), then a courtesy or two.
_OTHERS = (_OPENS + r"(?:(?:can|could|would|will) (?:you|u|someone|somebody|anyone|anybody) |who can )?"
           r"(?:(?:please|pls|plz|just|quickly) ){0,2}")
_SOME = r"(?:the |our |a |an |that |this |your |ur )?(?:[a-z0-9.-]+ ){0,3}?"
_DEFINITE = r"(?:the |our |that |your |ur )(?:[a-z0-9.-]+ ){0,3}?"
# A link to one of the team's things or places ("link to the on-call calendar").
_LINK_TO = (r"links? (?:to|for) (?:the |our |my )?(?:[a-z0-9.-]+ ){0,3}?(?:" + _TEAM_THING + r"|" + _TEAM_PLACE
            + r")")
_HANDED = re.compile(
    _OTHERS + r"(?:send|share|dm|forward|paste) (?:me|us) " + _SOME + _TEAM_THING + _SENT_ME_ENDS
    + r"|" + _OTHERS + r"(?:send|share|dm|forward|paste) " + _SOME + _TEAM_THING + _ASK_ENDS
    + r"|" + _OTHERS + r"(?:send|share|dm|forward|paste) (?:me |us )?(?:the |a )?(?:[a-z0-9.-]+ )?links? (?:to|for)\b"
    + r"|" + _OTHERS + r"give (?:me|us) " + _DEFINITE + _TEAM_THING + _ASK_ENDS
    + r"|" + _OPENS + r"(?:can|could|may) (?:i|we) (?:please )?(?:get|have) " + _DEFINITE + _TEAM_THING + _ASK_ENDS
    + r"|" + _OTHERS + r"(?:(?:give|grant) (?:me|us)|(?:can|could|may) (?:i|we) (?:please )?(?:get|have)|i need) "
      r"(?:[a-z]+ )?access (?:to|for|on) (?:the |our )?(?:[a-z0-9.-]+ ){0,2}?" + _TEAM_PLACE + r"\b"
    + r"|^\s*(?:the )?(?:[a-z0-9.-]+ )?" + _LINK_TO + _SENT_ME_ENDS
    + r"|^\s*(?:is|where is|where|what is|what) (?:the |our )?" + _LINK_TO + r"\b"
    + r"|\b(?:anyone|anybody|someone|somebody|who) (?:have|has|got) " + _DEFINITE + _TEAM_THING + _SENT_ME_ENDS)
_DEFINITION = re.compile(r"^\s*(?:so |wait |ok |hey )*(?:(?:what is|whats|what are|define|explain|eli5)\s+(?:an? )?"
                         r"(?!(?:the|our|my|it|this|that|do|does|did|should|can|would|to|if|about|is|are)\b)"
                         r"[a-z0-9 .+#-]{1,40}?|what (?:an? )?[a-z0-9.+#-]+(?: [a-z0-9.+#-]+)?)\s*\??\s*$")
# Other ways of asking what a thing is: what its name stands for or means, what it is short for.
_MEANING = re.compile(r"^\s*(?:so |wait |ok |hey )*(?:what (?:does|do) (?!(?:it|this|that|these|those|the word|the term|"
                      r"that word|that term)\b)[a-z0-9 .+#-]{1,40}? (?:stand for|mean)"
                      r"|what (?:does|do) an? [a-z0-9.+#-]+(?: [a-z0-9.+#-]+)? do|what(?: is|s) [a-z0-9.+#-]+(?: "
                      r"[a-z0-9.+#-]+)? short for)\s*\??\s*$")
# A tool's manual, not backend knowledge: installing a program, what one of its command-line flags does.
# An entry that names the tool is about how to use it in a system, not how to set it up on a laptop.
_TOOL_MANUAL = re.compile(r"^\s*(?:so |wait |ok |hey )*(?:how (?:do|can|should|would) (?:i|we|you) |how to )"
                          r"(?:install|uninstall|reinstall|download) [a-z0-9.+#-]+(?: [a-z0-9.+#-]+){0,2}?"
                          r"(?: on (?:my |a |the |our )?[a-z0-9]+(?: [a-z0-9]+)?)?\s*\??\s*$"
                          r"|\bwhat (?:does|do) (?:the )?-{0,2}[a-z0-9-]+ (?:flag|option|switch|argument) do\b")
_COMPARISON = re.compile(r"\b(?:faster|slower|better|worse|easier|harder) than\b|\bvs\.?\b|\bversus\b|"
                         r"^\s*(?:is|should (?:i|we) (?:use|learn|pick))?\s*[a-z0-9.+#-]+ or [a-z0-9.+#-]+\s*\??\s*$")


def is_beyond(text: str, is_its_subject: Callable[[], bool], is_about: bool) -> bool:
    """Whether an entry must not answer `text`: a team look-up; a tool's manual; a definition of something that is
    not the entry's own subject (`is_its_subject()`, asked only of a definition: "what is a kubernetes pod" is not
    defined by an entry about choosing between Kubernetes and EC2); a comparison of things the entry is not about
    (`is_about`: whether the entry is about any of the question's topical terms)."""
    if is_team_lookup(text) or is_tool_manual(text):
        return True
    if is_definition(text):
        return not is_its_subject()
    return is_comparison(text) and not is_about


def is_team_lookup(text: str) -> bool:
    """A question for a fact of the team's own (who, when, where, which, how many; a password, a URL, a date), or a
    request to be handed one of its things."""
    plain = normalise(text)
    if _OWN_VALUE.search(plain) or _HANDED.search(plain):
        return True
    if _ADVICE.search(plain):
        return False
    if _PERSON.search(plain):
        return True
    if not _SPECIFIC.search(plain):
        return False
    return bool(_LOOKUP_ASK.search(plain) or (_YES_NO.search(plain) and _CALENDAR.search(plain)))


def is_definition(text: str) -> bool:
    """A bare definition ("what is nginx"): answered only by an entry whose own subject the thing is (its
    question, label or tags), not by one that names it in passing."""
    plain = normalise(text)
    return bool(_DEFINITION.search(plain) or _MEANING.search(plain))


def is_tool_manual(text: str) -> bool:
    """How to install a program, or what one of its flags does ("how do I install kafka on my mac")."""
    return bool(_TOOL_MANUAL.search(normalise(text)))


def is_comparison(text: str) -> bool:
    """A comparison ("is python faster than go"): answered only by an entry about one of the things compared."""
    return bool(_COMPARISON.search(normalise(text)))
