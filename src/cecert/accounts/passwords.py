"""Password policy as 等保三级 expects: at least 8 characters of 3 classes."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    required_classes = 3

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.required_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类 / "
                "the password needs three of: lower case, upper case, digits, symbols",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return "密码至少8位，包含大写字母、小写字母、数字、特殊字符中的至少三类。"
