import json
from importlib import resources

from django.db import migrations


def load(apps, schema_editor):
    Industry = apps.get_model("organisations", "Industry")
    data = json.loads(resources.files("cecert.organisations").joinpath("data/industries.json").read_text("utf-8"))
    for item in data:
        Industry.objects.update_or_create(code=item["code"], defaults={"name": item["name"]})


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
