"""Signals other apps connect to.

``record_overturned`` is sent when a spot-check overturns a certified record,
inside the overturning transaction (a receiver's writes land with it or not at
all). Keyword arguments: ``record`` (the ``Record``, already in state
``overturned``), ``person`` (its ``Person``), ``year`` (int), ``reason`` (str),
``by`` (the HR officer ``User``). The certificates app connects to it to
revoke and reissue the person's certificates that relied on the record::

    from cecert.review.signals import record_overturned

    @receiver(record_overturned)
    def revoke(sender, *, record, person, year, reason, by, **kwargs): ...
"""

from __future__ import annotations

from django.dispatch import Signal

record_overturned = Signal()
