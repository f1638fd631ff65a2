"""Which channels a user receives notices by (codes are always sent to the contact they are for)."""

from __future__ import annotations

from collections.abc import Mapping

from cecert.accounts.models import User
from cecert.notifications.models import Channel, ChannelPreference


def channel_choices(user: User) -> dict[str, bool]:
    """Every channel, on unless the user turned it off."""
    off = set(ChannelPreference.objects.filter(user=user, enabled=False).values_list("channel", flat=True))
    return {channel: channel not in off for channel in Channel.values}


def set_channel_choices(user: User, wanted: Mapping[str, bool]) -> None:
    for channel in Channel.values:
        if channel in wanted:
            ChannelPreference.objects.update_or_create(
                user=user, channel=channel, defaults={"enabled": bool(wanted[channel])}
            )
