"""Django forms generated from the crediting Pydantic schemas.

One source of truth: the schema says which fields an activity type has, their
Chinese titles, bounds and enumerations; ``schema_form`` turns that into a
Django form class, and the form's ``clean()`` validates through the very same
Pydantic model, so a value the engine would refuse is refused by the form with
the field named (in Chinese), never silently fixed up.

Used by the declaration pages (``cecert.records``) and meant for the public
calculator page too::

    from cecert.crediting.forms import activity_form, schema_form

    FormClass = activity_form("conference")          # by activity type
    form = FormClass(request.POST or None)
    if form.is_valid():
        activity = form.cleaned_data["activity"]     # the validated Pydantic model
        # ``date`` is excluded by default; pass it in with ``extra={"date": ...}``
        # on the form (``FormClass(data, extra={"date": end_date})``) or keep it with
        # ``schema_form(Model, exclude=("type",))``.

Mapping: ``Literal`` enumerations → ``ChoiceField`` (Chinese labels from the
field description, ``"value 中文 / value 中文 (english)"``), integers →
``IntegerField`` with the schema's bounds, numbers (exact decimals) →
``DecimalField`` with the schema's decimal places, booleans → ``BooleanField``,
dates → ``DateField``, strings → ``CharField``. Optional fields are not
required. The form never imports the database.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from pydantic import BaseModel, ValidationError

from cecert.crediting.errors import ROOT, from_validation_error
from cecert.crediting.schemas import ACTIVITY_MODELS

__all__ = [
    "ActivitySchemaForm",
    "activity_form",
    "activity_model",
    "activity_type_choices",
    "choice_labels",
    "schema_form",
]

# Explicit labels win over those parsed from descriptions: by value, or by (field, value).
EXTRA_LABELS: dict[str | tuple[str, str], str] = {
    "public": "公需科目",
    "professional": "专业科目",
    ("exam", "senior"): "高级专业技术资格考试",
    ("exam", "intermediate"): "中级专业技术资格考试",
}


def activity_model(activity_type: str) -> type[BaseModel]:
    """The Pydantic model of an activity type (``KeyError`` when unknown)."""
    return _models_by_type()[activity_type]


@cache
def _models_by_type() -> dict[str, type[BaseModel]]:
    return {model.model_json_schema()["properties"]["type"]["const"]: model for model in ACTIVITY_MODELS}


def activity_type_choices() -> list[tuple[str, str]]:
    """``[(type, Chinese title), ...]`` in the order of the schemas (Article 7 order)."""
    return [(key, str(model.model_config.get("title", key))) for key, model in _models_by_type().items()]


def choice_labels(values: list[str], description: str, field: str = "") -> list[tuple[str, str]]:
    """Pair enumeration values with their Chinese words from a schema description.

    ``"national 国家部委 / provincial 省级 (organiser level)"`` →
    ``[("national", "国家部委"), ("provincial", "省级")]``; a value the description
    does not explain keeps its code as its label.
    """
    text = description.split("：", 1)[-1]
    labels: list[tuple[str, str]] = []
    for value in values:
        explicit = EXTRA_LABELS.get((field, value), EXTRA_LABELS.get(value))
        if explicit is not None:
            labels.append((value, explicit))
            continue
        match = re.search(rf"(?:^|[\s/]){re.escape(value)}\s+([^/]+?)\s*(?:/|\([^)]*\)\s*$|$)", text)
        labels.append((value, match.group(1).strip() if match else value))
    return labels


def _nullable(spec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    options = spec.get("anyOf")
    if not options:
        return spec, False
    concrete = [option for option in options if option.get("type") != "null"]
    merged = {**spec, **concrete[0]}
    merged.pop("anyOf", None)
    return merged, len(concrete) < len(options)


def _decimal_places(model: type[BaseModel], name: str) -> int:
    for meta in model.model_fields[name].metadata:
        places = getattr(meta, "decimal_places", None)
        if places is not None:
            return int(places)
    return 1


def _field_for(model: type[BaseModel], name: str, raw: dict[str, Any], required_names: set[str]) -> forms.Field:
    spec, nullable = _nullable(raw)
    label = spec.get("title", name)
    help_text = spec.get("description", "")
    required = name in required_names and not nullable
    kind = spec.get("type")
    # A choice's words are in its options; its description (codes and English) is for the API.
    common: dict[str, Any] = {"label": label, "help_text": "" if "enum" in spec else help_text, "required": required}
    if "enum" in spec:
        choices = choice_labels([str(v) for v in spec["enum"]], help_text, name)
        if not required:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "integer":
        return forms.IntegerField(min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common)
    if kind == "number":
        places = _decimal_places(model, name)
        step = Decimal(1).scaleb(-places)
        return forms.DecimalField(
            max_value=spec.get("maximum"),
            min_value=step if "exclusiveMinimum" in spec else spec.get("minimum"),
            # Places are checked by the schema (so "12.50" is fine, "12.55" is not).
            decimal_places=None,
            widget=forms.NumberInput(attrs={"step": str(step)}),
            **common,
        )
    if kind == "boolean":
        # An unticked box is an explicit False, so booleans are never "missing".
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if kind == "string" and spec.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(max_length=spec.get("maxLength"), min_length=spec.get("minLength"), strip=True, **common)


class ActivitySchemaForm(forms.Form):
    """Base class of generated forms. ``cleaned_data["activity"]`` is the validated model."""

    schema_model: type[BaseModel]
    constants: dict[str, Any] = {}

    def __init__(self, *args: Any, extra: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra = dict(extra or {})

    def schema_data(self) -> dict[str, Any]:
        """The input for the Pydantic model: constants, form values (empty optionals left out), extras."""
        data: dict[str, Any] = dict(self.constants)
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            data[name] = value
        for name, value in self.extra.items():
            if value is not None:
                data[name] = value
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            cleaned["activity"] = self.schema_model.model_validate(self.schema_data())
        except ValidationError as exc:
            for error in from_validation_error(exc).errors:
                name = error["field"].split(".")[0].split("[")[0]
                if name in self.fields:
                    self.add_error(name, error["message_zh"])
                else:
                    label = name if name != ROOT else ""
                    self.add_error(None, f"{label}：{error['message_zh']}" if label else error["message_zh"])
        return cleaned


def schema_form(
    model: type[BaseModel],
    *,
    exclude: tuple[str, ...] = ("type", "date"),
    prefix_fields: dict[str, forms.Field] | None = None,
) -> type[ActivitySchemaForm]:
    """A Django form class for a Pydantic model; ``const`` fields (``type``) are filled in."""
    schema = model.model_json_schema()
    required_names = set(schema.get("required", ()))
    fields: dict[str, forms.Field] = dict(prefix_fields or {})
    constants: dict[str, Any] = {}
    for name, spec in schema["properties"].items():
        if "const" in spec:
            constants[name] = spec["const"]
            continue
        if name in exclude:
            continue
        fields[name] = _field_for(model, name, spec, required_names)
    attrs: dict[str, Any] = {**fields, "schema_model": model, "constants": constants}
    return type(f"{model.__name__}Form", (ActivitySchemaForm,), attrs)


@cache
def activity_form(activity_type: str, exclude: tuple[str, ...] = ("type", "date")) -> type[ActivitySchemaForm]:
    """The generated form of one activity type (cached)."""
    return schema_form(activity_model(activity_type), exclude=exclude)
