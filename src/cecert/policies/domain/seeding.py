"""Seed the policy table from the shipped provincial policy (data migration, and tests after a flush).

Stored records and year rows name the policy version they were computed with.
The two invented example policies that earlier versions shipped
(``henan-xuchang-example``, ``henan-health-cme-example``) are no longer shipped;
where a stored row still names one, it is kept as a ``legacy`` row — resolvable,
never selected — so the record's explanation can still be traced.
"""

from __future__ import annotations

from typing import Any

from cecert.crediting.policies import all_policies

PROVINCIAL_DOCUMENT = "豫人社[2017]121号"

# The retired examples, as they were shipped (over the provincial tables); only for stored rows that name them.
LEGACY_EXAMPLES: dict[str, dict[str, Any]] = {
    "henan-xuchang-example@2024-01-01": {
        "title": "【示例，不再适用】许昌市实施细则：公需科目 30 学时 + 专业科目 60 学时",
        "requirement": {"total": 90, "public": 30, "professional": 60},
        "scope_code": "411000",
        "industry_code": None,
    },
    "henan-health-cme-example@2024-01-01": {
        "title": "【示例，不再适用】卫生健康行业学分制：每年不少于 25 学分",
        "requirement": {"total": 25, "public": 5, "professional": 15},
        "unit": "credit",
        "hours_per_credit": "3",
        "other_kinds": {
            "cme_class_1": {"title_zh": "Ⅰ类学分项目（示例）", "title_en": "Class I", "subject": "professional",
                            "hours_per_credit": "3"},
            "cme_class_2": {"title_zh": "Ⅱ类学分活动（示例）", "title_en": "Class II", "subject": "professional",
                            "hours_per_credit": "5"},
        },
        "scope_code": None,
        "industry_code": "health",
    },
}  # fmt: skip


def provincial_body() -> dict[str, Any]:
    policy = all_policies()[0]
    return policy.model_dump(mode="json")


def seed_policies(
    policy_model: Any, region_model: Any, industry_model: Any, referenced_keys: set[str] | frozenset[str] = frozenset()
) -> None:
    """Create (or refresh) the filed provincial policy, and legacy rows for retired keys still referenced."""
    policy = all_policies()[0]
    body = provincial_body()
    policy_model.objects.update_or_create(
        key=policy.key,
        defaults={
            "policy_id": policy.id,
            "version": policy.version,
            "title": policy.title_zh,
            "document_number": PROVINCIAL_DOCUMENT,
            "scope_path": "",
            "effective_from": policy.valid_from,
            "body": body,
            "state": "filed",
        },
    )
    for key in sorted(referenced_keys & LEGACY_EXAMPLES.keys()):
        spec = LEGACY_EXAMPLES[key]
        legacy = dict(body)
        legacy.update(
            {name: spec[name] for name in ("requirement", "unit", "hours_per_credit", "other_kinds") if name in spec}
        )
        region = region_model.objects.filter(code=spec["scope_code"]).first() if spec["scope_code"] else None
        industry = industry_model.objects.filter(code=spec["industry_code"]).first() if spec["industry_code"] else None
        policy_id, _, version = key.partition("@")
        policy_model.objects.update_or_create(
            key=key,
            defaults={
                "policy_id": policy_id,
                "version": version,
                "title": spec["title"],
                "document_number": "示例，非正式发布的规则",
                "scope_region": region,
                "scope_path": region.path if region is not None else "",
                "industry": industry,
                "effective_from": "2024-01-01",
                "body": legacy,
                "state": "legacy",
            },
        )
