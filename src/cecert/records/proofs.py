"""Which proof (证明材料, Article 10) each activity type needs: data, not code.

Each entry is ``(kind, Chinese label, condition)``; ``condition`` names a
boolean activity field that must be true for the proof to be required (e.g.
proof of presenting only when ``presented``). Records from a training base or
the platform's online learning need none: the source's word is the proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProofRequirement:
    kind: str
    label: str
    when: str | None = None  # an activity field that must be true

    def applies(self, activity: dict[str, Any]) -> bool:
        return self.when is None or bool(activity.get(self.when))


def _req(*items: tuple[str, str] | tuple[str, str, str]) -> tuple[ProofRequirement, ...]:
    return tuple(ProofRequirement(*item) for item in items)


PROOF_REQUIREMENTS: dict[str, tuple[ProofRequirement, ...]] = {
    "training_base": _req(("notice", "培训通知"), ("completion", "结业（培训）证书")),
    "training": _req(("notice", "培训通知"), ("completion", "结业（培训）证书")),
    "online_course": _req(("completion", "学习证明")),
    "degree_course": _req(("transcript", "成绩单")),
    "course_study": _req(("transcript", "进修成绩单（考核证明）")),
    "conference": _req(("notice", "会议通知"), ("presentation", "宣读、报告论文证明", "presented")),
    "research_project": _req(("approval", "课题（项目）立项文件")),
    "book": _req(("cover", "封面"), ("contents", "目录页"), ("copyright", "版权页")),
    "paper": _req(("cover", "刊物封面"), ("contents", "目录页"), ("article", "论文正文")),
    "patent": _req(("certificate", "专利证书")),
    "award": _req(("certificate", "获奖证书")),
    "qualification_exam": _req(("certificate", "资格证书（成绩合格证明）")),
    "endorsed_report": _req(("endorsement", "领导批示件")),
    "aid_assignment": _req(("assignment", "派遣（挂职）文件"), ("assessment", "年度考核材料")),
    "grassroots_service": _req(("notice", "服务基层活动通知"), ("organiser", "组织单位证明")),
    "other": _req(("confirmation", "学时确认文件")),
}

LEAVE_PROOF = ProofRequirement("leave", "请假（离岗）证明")

# Labels of every kind, for choices on upload forms.
PROOF_KIND_LABELS: dict[str, str] = {r.kind: r.label for reqs in PROOF_REQUIREMENTS.values() for r in reqs} | {
    LEAVE_PROOF.kind: LEAVE_PROOF.label,
    "other_proof": "其他材料",
}


def required_proofs(activity_type: str, activity: dict[str, Any]) -> list[ProofRequirement]:
    return [r for r in PROOF_REQUIREMENTS.get(activity_type, ()) if r.applies(activity)]


def proof_kinds_for(activity_type: str) -> list[tuple[str, str]]:
    """Choices for the upload form of a record of this type (plus "other")."""
    kinds = [(r.kind, r.label) for r in PROOF_REQUIREMENTS.get(activity_type, ())]
    return [*kinds, ("other_proof", PROOF_KIND_LABELS["other_proof"])]
