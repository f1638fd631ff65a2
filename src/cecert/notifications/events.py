"""The events the platform notifies, as data: which channels each uses beside the in-app list.

Each event's wording is in templates, one per channel: ``notifications/<event>/inapp.txt``,
``email_subject.txt``, ``email.txt``, ``sms.txt`` (Chinese). SMS providers send only approved
templates, so an SMS also carries ``sms_params`` (taken from the context) for the provider's
template named in ``CECERT_SMS_TEMPLATES``; the rendered text is what the development backends
print and what the delivery keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from cecert.notifications.models import Channel

EMAIL, SMS = Channel.EMAIL.value, Channel.SMS.value


@dataclass(frozen=True)
class Event:
    code: str
    channels: tuple[str, ...] = ()  # beside the in-app notification
    in_app: bool = True
    sms_params: tuple[str, ...] = ()
    # Carries a one-time code: sent to the contact given (verified or being verified), whatever the
    # user's channel preferences, at any hour; its text is not kept once sent.
    secret: bool = False


EVENTS: dict[str, Event] = {
    e.code: e
    for e in [
        # A reviewer's to-do or a workflow notice: the message is written by the caller, in-app only.
        Event("task"),
        Event("registration.approved", (EMAIL, SMS), sms_params=("name", "certificate_number")),
        Event("registration.returned", (EMAIL, SMS), sms_params=("name",)),
        Event("record.returned", (EMAIL, SMS), sms_params=("title",)),
        Event("record.certified", (EMAIL, SMS), sms_params=("title", "hours")),
        Event("certificate.issued", (EMAIL, SMS), sms_params=("kind", "serial")),
        Event("certificate.revoked", (EMAIL, SMS), sms_params=("kind", "serial")),
        Event("review.deadline_near", (EMAIL,)),
        Event("review.deadline_passed", (EMAIL,)),
        Event("reminder.shortfall", (EMAIL, SMS), sms_params=("year", "shortfall_total")),
        Event("contact.code", (EMAIL, SMS), in_app=False, sms_params=("code",), secret=True),
        Event("password.code", (EMAIL, SMS), in_app=False, sms_params=("code",), secret=True),
    ]
}


def event(code: str) -> Event:
    try:
        return EVENTS[code]
    except KeyError:
        raise ValueError(f"unknown notification event {code!r}") from None
