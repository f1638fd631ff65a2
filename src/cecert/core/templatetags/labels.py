"""Template filters that show codes as Chinese words and times in local time (``{% load labels %}``)."""

from __future__ import annotations

from django import template

from cecert.core import labels

register = template.Library()

register.filter("action_label", labels.action_label)
register.filter("activity_label", labels.activity_label)
register.filter("proof_label", labels.proof_label)
register.filter("channel_label", labels.channel_label)
register.filter("role_label", labels.role_label)
register.filter("object_label", labels.object_label)
register.filter("policy_label", labels.policy_label)
register.filter("zh", labels.chinese_part)
register.filter("local_time", labels.local_time)
