"""Lever parameter files ``data/levers/<lever>.yaml``: low / typical / high values with sources.

One file per AI lever. Every parameter has a low, typical and high value (the three effect
presets of a scenario), a unit, and its source and status. The lever's code (``twin.ai``)
reads the parameters it needs by name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.config.loader import read_yaml, validate_model

__all__ = ["LEVELS", "Level", "LeverParam", "LeverSpec", "load_lever", "parse_lever"]

Level = Literal["low", "typical", "high"]
LEVELS: tuple[Level, ...] = ("low", "typical", "high")
Status = Literal["published", "estimate", "synthetic"]
Text = Annotated[str, Field(min_length=1, max_length=3000)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeverParam(_M):
    """One parameter of a lever at the three effect levels."""

    low: Finite
    typical: Finite
    high: Finite
    unit: Text
    year: Annotated[int, Field(ge=1950, le=2100)]
    source: Text
    status: Status
    note: Text | None = None

    def at(self, level: Level) -> float:
        """The value at an effect level."""
        return float(getattr(self, level))


class LeverSpec(_M):
    """An AI lever: what it acts on, its parameters, costs and compute."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Text
    loss_pool: Text
    description: Text
    params: dict[str, LeverParam]
    capex_krw: LeverParam
    opex_krw_per_year: LeverParam
    ramp_up_months: LeverParam
    compute_kw_edge: LeverParam
    compute_kw_datacentre: LeverParam

    @model_validator(mode="after")
    def _check(self) -> LeverSpec:
        for key, p in {
            **self.params,
            "capex_krw": self.capex_krw,
            "opex_krw_per_year": self.opex_krw_per_year,
            "ramp_up_months": self.ramp_up_months,
            "compute_kw_edge": self.compute_kw_edge,
            "compute_kw_datacentre": self.compute_kw_datacentre,
        }.items():
            if not (p.low <= p.typical <= p.high or p.low >= p.typical >= p.high):
                raise ValueError(f"{key}: typical must lie between low and high")
        return self

    def value(self, key: str, level: Level) -> float:
        """Parameter ``key`` at ``level`` (KeyError naming the lever if absent)."""
        if key not in self.params:
            raise KeyError(f"lever {self.name} has no parameter {key!r}")
        return self.params[key].at(level)


def parse_lever(data: Any, source: str) -> LeverSpec:
    """Validate a lever file's mapping; errors name the file and the field."""
    return validate_model(LeverSpec, data, source)


def load_lever(path: Any) -> LeverSpec:
    """Read and validate ``data/levers/<lever>.yaml``."""
    return parse_lever(read_yaml(path), str(path))
