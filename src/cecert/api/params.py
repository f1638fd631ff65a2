"""Query parameters shared by every endpoint of the API: paging and years, bounded once here.

A value outside the bounds answers 422 with the bilingual error body of the API (see
``cecert.api.api.validation_error``), never reaches the database: a negative offset, an offset past
the database's integer range or a year no policy covers would otherwise fail as a 500.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# The regulation (豫人社[2017]121号) took effect in 2017: no year before it is assessed. The upper bound
# is the one the record forms use; it only keeps a typed year inside the database's small integer.
MIN_YEAR = 2017
MAX_YEAR = 2100
MAX_LIMIT = 500
# Far beyond the province's professionals (a few million); keeps OFFSET inside a 64-bit integer.
MAX_OFFSET = 10_000_000

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"每页条数 1–{MAX_LIMIT} / page size")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"起始位置 0–{MAX_OFFSET} / rows to skip")]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, description=f"年度 {MIN_YEAR}–{MAX_YEAR} / the year")]

# The Chinese name of each shared parameter, put before the message of an error about it.
FIELD_LABELS = {"limit": "每页条数", "offset": "起始位置", "year": "年度"}
