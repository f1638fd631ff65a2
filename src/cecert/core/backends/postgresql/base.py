"""Django's PostgreSQL backend, told that a year-partitioned table's ``id`` is not its whole key (ADR 0027).

PostgreSQL lets a query select any column of a table it groups by primary key, and Django uses that
to group by ``id`` alone. A partitioned table's primary key is ``(id, year)``, so PostgreSQL no
longer accepts that (``must appear in the GROUP BY clause``); for these tables Django then groups
by every selected column, as it does on other databases. Subclasses Django 5.2's backend (pinned).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, features

from cecert.core.partitioning import PARTITIONED_TABLES


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model: Any) -> bool:
        if any(table.table == model._meta.db_table for table in PARTITIONED_TABLES.values()):
            return False
        return bool(super().allows_group_by_selected_pks_on_model(model))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
