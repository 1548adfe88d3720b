"""The office in a reply: whether it is open, today's hours in one line, where to go under an
answer, and the full contact and hours replies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.events import Reply
from bot.hours import HoursStatus, openings_on
from bot.i18n import Translator
from bot.markup import bold, escape, italic, link
from bot.models import CONTACT, OFFICE_HOURS, Office
from bot.replies.common import menu_button, reply, service_button

_THIS_WEEK = 7
"""Closer openings are named by their weekday, later ones by their date."""


def _when(t: Translator, moment: datetime, today: date) -> str:
    clock = t.time(moment)
    if moment.date() == today:
        return t.gettext("today at {time}", time=clock)
    if moment.date() == today + timedelta(days=1):
        return t.gettext("tomorrow at {time}", time=clock)
    if moment.date() < today + timedelta(days=_THIS_WEEK):
        return t.gettext(
            "{weekday} at {time}",
            weekday=t.weekday(moment.weekday(), start_of_line=False),
            time=clock,
        )
    return t.gettext("on {date} at {time}", date=t.date(moment.date()), time=clock)


def status_line(t: Translator, status: HoursStatus, now: datetime) -> str:
    """ "Open now, until 12:00" or "Closed now, next opening Tuesday at 09:00"."""
    parts = []
    if status.holiday_today:
        parts.append(t.gettext("Today is a public holiday ({name}).", name=status.holiday_today))
    if status.open_now and status.closes_at is not None:
        parts.append(t.gettext("🟢 Open now, until {time}.", time=t.time(status.closes_at)))
    elif status.next_opening is not None:
        # "today" and "tomorrow" in the office's time zone, not in UTC.
        today = now.astimezone(status.next_opening.start.tzinfo).date()
        when = _when(t, status.next_opening.start, today)
        parts.append(t.gettext("🔴 Closed now. Next opening: {when}.", when=when))
    else:
        parts.append(t.gettext("🔴 Closed now."))
    return escape(" ".join(parts))


def _short_when(t: Translator, moment: datetime, today: date) -> str:
    """ "Do. 09:00" this week, "24. Dez. 09:00" later: short enough for one line."""
    if moment.date() < today + timedelta(days=_THIS_WEEK):
        day = t.short_weekday(moment.weekday())
    else:
        day = t.short_date(moment.date())
    return t.gettext("{day} {time}", day=day, time=t.time(moment))


def today_line(t: Translator, office: Office, status: HoursStatus, now: datetime) -> str:
    """Today's hours and whether the office is open, in one line: "🟢 Today 09:00–12:00: open
    now" or "🔴 Closed today; next opening Thu 09:00"."""
    today = now.astimezone(ZoneInfo(office.hours.timezone)).date()
    hours = ", ".join(
        t.interval(opening.start.time(), opening.end.time())
        for opening in openings_on(office.hours, today)
    )
    following = status.next_opening
    if status.open_now:
        line = t.gettext("🟢 Today {hours}: open now", hours=hours)
    elif following is None:
        line = t.gettext("🔴 Closed now.")
    elif following.start.date() == today:
        line = t.gettext(
            "🔴 Today {hours}: closed now, open again at {time}",
            hours=hours,
            time=t.time(following.start),
        )
    else:
        when = _short_when(t, following.start, today)
        if hours:
            line = t.gettext(
                "🔴 Today {hours}: closed now; next opening {when}", hours=hours, when=when
            )
        elif status.holiday_today:
            line = t.gettext(
                "🔴 Closed today ({holiday}); next opening {when}",
                holiday=status.holiday_today,
                when=when,
            )
        else:
            line = t.gettext("🔴 Closed today; next opening {when}", when=when)
    return escape(line)


def main_phone(office: Office) -> str | None:
    """The number to call about day care: the first in office.yaml, if it lists one."""
    return office.phones[0].number if office.phones else None


def phone_line(t: Translator, office: Office) -> str:
    """The office and its phone, as the alternative to asking the bot."""
    phone = main_phone(office)
    return f"☎️ {escape(office.name[t.lang])}: {escape(phone)}" if phone else ""


def next_step(t: Translator, office: Office, status: HoursStatus, now: datetime) -> str:
    """Where to turn when the bot has no answer: the office's phone and today's hours."""
    lines = (phone_line(t, office), today_line(t, office, status, now))
    return "\n".join(line for line in lines if line)


def where_to_go(t: Translator, office: Office, status: HoursStatus, now: datetime) -> str:
    """The lines under every Dresden answer: the address, the phone, open now or when next.
    Without the office's name: the Ukrainian one with its gloss would leave too little of the
    700 characters a first message may have for a 450-character answer."""
    phone = main_phone(office)
    lines = [
        f"📍 {escape(office.visiting_address[t.lang])}",
        f"☎️ {escape(phone)}" if phone else "",
        today_line(t, office, status, now),
    ]
    return "\n".join(line for line in lines if line)


def local_office(t: Translator, town: str | None) -> str:
    """The line under an answer that holds anywhere, asked for another town: its offices, not ours."""
    if town is None:
        text = t.gettext(
            "📍 In another town, the contact is its own youth office (Jugendamt) or its "
            "administration, not the Dresden office."
        )
    else:
        text = t.gettext(
            "📍 In {town}, the contact is the local youth office (Jugendamt) or the town's "
            "administration, not the Dresden office.",
            town=town,
        )
    return escape(text)


def _weekly_hours(t: Translator, office: Office) -> list[str]:
    """One line per weekday Monday-Friday (and weekend days with hours): name and intervals."""
    lines = []
    for day in range(7):
        intervals = office.hours.weekly.get(day, ())
        if not intervals and day >= 5:
            continue
        spans = ", ".join(t.interval(i.start, i.end) for i in intervals) or t.gettext("closed")
        lines.append(f"{escape(t.weekday(day))}: {escape(spans)}")
    return lines


def contact(t: Translator, office: Office, status: HoursStatus, now: datetime) -> Reply:
    """The office's addresses, phones, e-mails and web pages, and whether it is open now."""
    lines = [bold(office.name[t.lang]), ""]
    visiting, postal = t.gettext("Visiting address"), t.gettext("Postal address")
    lines.append(f"📍 {escape(visiting)}: {escape(office.visiting_address[t.lang])}")
    lines.append(f"✉️ {escape(postal)}: {escape(office.postal_address[t.lang])}")
    lines.extend(f"☎️ {escape(p.label[t.lang])}: {escape(p.number)}" for p in office.phones)
    lines.extend(f"📧 {escape(e.label[t.lang])}: {escape(e.address)}" for e in office.emails)
    lines.extend(f"🌐 {link(w.url, w.title[t.lang])}" for w in office.websites)
    lines += ["", status_line(t, status, now)]
    buttons = ((service_button(t, OFFICE_HOURS), menu_button(t)),)
    return reply(t, "contact", "\n".join(lines), buttons, CONTACT)


def office_hours(t: Translator, office: Office, status: HoursStatus, now: datetime) -> Reply:
    """The week's office hours in the reader's language and whether the office is open now."""
    heading = t.gettext("Office hours: {office}", office=office.name[t.lang])
    lines = [
        bold(heading),
        "",
        *_weekly_hours(t, office),
        "",
        status_line(t, status, now),
    ]
    lines.append(escape(t.gettext("Closed on public holidays in Saxony.")))
    if office.hours_note:
        lines.append(italic(office.hours_note[t.lang]))
    lines += ["", f"📍 {escape(office.visiting_address[t.lang])}"]
    buttons = ((service_button(t, CONTACT), menu_button(t)),)
    return reply(t, "hours", "\n".join(lines), buttons, OFFICE_HOURS)
