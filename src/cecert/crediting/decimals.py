"""Exact number helpers: the one rounding rule and the one JSON conversion.

All crediting arithmetic is done on ``Decimal`` and ``Fraction`` values, which are
exact for the inputs we accept. Rounding happens once, at the end, half up
(四舍五入), which is what people expect and what ``Decimal.quantize`` with
``ROUND_HALF_UP`` would give; we round through ``Fraction`` so that results of a
division (pro-rating, credit conversion) are rounded exactly too.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

ExactNumber = int | Decimal | Fraction


def round_half_up(value: ExactNumber, places: int = 1) -> Decimal:
    """Round ``value`` to ``places`` decimals, halves away from zero, exactly."""
    exact = Fraction(value)
    scale = 10**places
    scaled = abs(exact) * scale
    # floor(x + 1/2) is "half up" for non-negative x; the sign is put back after.
    magnitude = int(scaled + Fraction(1, 2))
    rounded = Decimal(magnitude if exact >= 0 else -magnitude).scaleb(-places)
    return rounded if places > 0 else rounded.quantize(Decimal(1))


def format_decimal(value: Decimal) -> str:
    """Human-readable text of an already rounded value: ``24`` not ``24.0``."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def decimal_to_json(value: Decimal) -> int | float:
    """Serialise a rounded value as a JSON number: ``24`` or ``12.5``.

    Serialisation only: the value must already be the final, rounded Decimal.
    A float is built from the one-decimal *string*, so ``json.dumps`` writes back
    exactly that string (Python prints the shortest repr, e.g. ``0.1``). Never use
    the returned float for further arithmetic.
    """
    if value == value.to_integral_value():
        return int(value)
    return float(format(round_half_up(value, 1), "f"))
