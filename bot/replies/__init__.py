"""Render replies: answers, referrals, the menu, contact, hours, "did you mean", no answer and
the small ones.

Output is Telegram-flavoured HTML (b, i, a) in which every piece of content is escaped; the
terminal chat reads it as plain text (`markup.to_text`). Interface strings come from the
catalogs, answers from faq/. Rendering only: what to render is the brain's decision.

- answers.py  a topic's overview or a sub-answer, short; "More"; referrals; after 👎
- office.py   open now, today's hours in one line, where to go; the contact and hours replies
- short.py    when there is nothing to answer: did you mean, no answer, another town, thanks
- menus.py    the menu and the commands' replies (greeting, language, help, privacy, staff)
- common.py   the Reply and the buttons they share
"""

from bot.i18n import Translator
from bot.replies.answers import answer, find, more, not_helpful, referral
from bot.replies.menus import (
    admin_text,
    command_descriptions,
    greeting,
    help_text,
    label_name,
    language_picker,
    language_set,
    menu,
    no_statistics,
    privacy,
    reload_result,
    statistics_unavailable,
    stats_usage,
)
from bot.replies.office import contact, local_office, office_hours, where_to_go
from bot.replies.short import (
    elsewhere,
    error,
    fallback,
    slow_down,
    smalltalk,
    suggest,
    unsupported,
    write_in_words,
)


def feedback_thanks(t: Translator) -> str:
    """The pop-up after 👍 or 👎."""
    return t.gettext("Thank you for your feedback!")


__all__ = [
    "admin_text",
    "answer",
    "command_descriptions",
    "contact",
    "elsewhere",
    "error",
    "fallback",
    "feedback_thanks",
    "find",
    "greeting",
    "help_text",
    "label_name",
    "language_picker",
    "language_set",
    "local_office",
    "menu",
    "more",
    "no_statistics",
    "not_helpful",
    "office_hours",
    "privacy",
    "referral",
    "reload_result",
    "slow_down",
    "smalltalk",
    "statistics_unavailable",
    "stats_usage",
    "suggest",
    "unsupported",
    "where_to_go",
    "write_in_words",
]
