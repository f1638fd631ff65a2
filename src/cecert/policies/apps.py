from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "cecert.policies"
    label = "policies"
    verbose_name = "学时认定政策与实施细则备案"
