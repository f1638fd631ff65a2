"""Errors that name the field at fault, in Chinese first and English too."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action; ``field`` names the input at fault."""

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_zh} / {message_en}")
        self.field = field
        self.message_zh = message_zh
        self.message_en = message_en

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message_zh": self.message_zh, "message_en": self.message_en}

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"
