from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "cecert.organisations"
    label = "organisations"
    verbose_name = "机构"
