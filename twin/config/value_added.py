"""Value-added parameters ``data/value_added.yaml``: value-added ratio and electricity price.

Value added is gross output minus materials minus electricity; the ratio fixes the material
cost per started unit in the base year (see :mod:`twin.projection`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from twin.config.firmbase import SECTORS
from twin.config.loader import read_yaml, validate_model

__all__ = ["ValueAddedParams", "load_value_added"]

Text = Annotated[str, Field(min_length=1, max_length=3000)]
Status = Literal["published", "estimate", "synthetic"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ratio(_M):
    """A value-added ratio (share of gross output) with its source."""

    value: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
    source: Text
    status: Status


class Price(_M):
    """An electricity price in KRW per MWh with its source."""

    value: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
    source: Text
    status: Status


class Factor(_M):
    """A non-negative multiple with its source."""

    value: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    source: Text
    status: Status


class ValueAddedParams(_M):
    """Value-added ratio by sector (``default`` for sectors not listed), electricity price, and
    the cost of an escaped defect as a multiple of the unit's price."""

    name: Text
    ratio: dict[Literal["default", *SECTORS], Ratio]  # type: ignore[valid-type]
    electricity_price_krw_per_mwh: Price
    escape_cost_factor: Factor

    @field_validator("ratio")
    @classmethod
    def _has_default(cls, ratio: dict[str, Ratio]) -> dict[str, Ratio]:
        if "default" not in ratio:
            raise ValueError("needs a 'default' ratio (used for sectors not listed)")
        return ratio

    def ratio_of(self, sector: str) -> float:
        """The value-added ratio of ``sector``."""
        return (self.ratio.get(sector) or self.ratio["default"]).value


def load_value_added(path: str | Path) -> ValueAddedParams:
    """Read and validate a value-added file; errors name the file and field."""
    data: Any = read_yaml(path)
    return validate_model(ValueAddedParams, data, str(path))
