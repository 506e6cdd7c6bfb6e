"""The calibration settings file ``data/calibration.yaml``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from twin.config.loader import validate_model

__all__ = ["CalibrationSettings", "parse_calibration"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSettings(_M):
    """How each archetype is simulated for calibration."""

    days: Annotated[float, Field(gt=0, le=366)] = 28.0
    warmup_days: Annotated[float, Field(ge=0, le=366)] = 7.0
    replications: Annotated[int, Field(ge=1, le=100)] = 2
    seed: Annotated[int, Field(ge=0)] = 7


class Tolerances(_M):
    """Allowed errors: relative for totals, absolute share points for sector shares."""

    production_krw: Annotated[float, Field(gt=0, le=1)] = 0.10
    employees: Annotated[float, Field(gt=0, le=1)] = 0.05
    electricity_mwh: Annotated[float, Field(gt=0, le=1)] = 0.10
    sector_share_points: Annotated[float, Field(gt=0, le=1)] = 0.05


class CalibrationSettings(_M):
    """Run settings, tolerances, and the fitted utilisation of each archetype."""

    run: RunSettings = RunSettings()
    tolerances: Tolerances = Tolerances()
    utilisation: dict[str, Annotated[float, Field(gt=0, le=3)]] = {}
    fitted_on: str = ""
    note: str = ""


def parse_calibration(data: Any, source: str) -> CalibrationSettings:
    """Validate ``data/calibration.yaml``; errors name the file and the field."""
    return validate_model(CalibrationSettings, data, source)
