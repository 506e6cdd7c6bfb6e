"""Parameters of the supply network (``data/network.yaml``), validated by pydantic.

The file gives, for each customer sector, the share of its production bought from firms inside
the complex (``local_input_share``) and how those local purchases split over supplier sectors
(``input_shares``, optionally refined for single processes in ``process_input_shares``), plus
the gravity model that picks supplier firms: ``decay_km``, ``detour_factor``, ``top_k``, the
spread of firm-pair affinity ``match_sigma`` and an optional cap on a supplier's local sales
``max_local_sales_share``. Every number carries its source and status
(published / estimate / synthetic). See :mod:`twin.network` for how they are used.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.config.loader import validate_model

__all__ = [
    "SECTORS",
    "NetworkParams",
    "Provenance",
    "ShareRow",
    "SourcedFloat",
    "SourcedInt",
    "parse_network_params",
]

SECTORS: tuple[str, ...] = ("electronics", "machinery", "textiles", "chemicals", "metals", "other")
Sector = Literal["electronics", "machinery", "textiles", "chemicals", "metals", "other"]
Status = Literal["published", "estimate", "synthetic"]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
ProcessName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Spec):
    """Where a whole file comes from (summary; each number has its own source too)."""

    status: Status
    source: Text
    notes: Text | None = None


class _Sourced(_Spec):
    unit: Text
    year: Year | None = None
    source: Text
    status: Status


class SourcedFloat(_Sourced):
    """One number with its unit, year, source and status."""

    value: Annotated[float, Field(allow_inf_nan=False)]


class SourcedInt(_Sourced):
    """One whole number with its unit, year, source and status."""

    value: int


class ShareRow(_Spec):
    """How one buyer's local purchases split over supplier sectors (shares sum to 1).

    One source and status cover the numbers of the row (a group of like parameters).
    """

    shares: dict[Sector, Fraction]
    year: Year | None = None
    source: Text
    status: Status

    @model_validator(mode="after")
    def _check(self) -> ShareRow:
        total = sum(self.shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {total:g})")
        return self


class NetworkParams(_Spec):
    """The supply-network parameter file.

    Attributes
    ----------
    local_input_share
        Per customer sector: intermediate inputs bought from firms inside the complex, as a
        share of the customer's production (the rest is bought outside Gumi or is value added).
        Must be below 0.9 so that capacity propagation contracts (see :mod:`twin.network`).
    input_shares
        Per customer sector: split of those local purchases over supplier sectors.
    process_input_shares
        Optional rows for single processes (e.g. ``display-fab``) that replace their sector's
        row for firms with that process.
    decay_km
        Gravity distance decay: a supplier's weight falls by ``exp(-road_km / decay_km)``.
    detour_factor
        Road distance over straight-line distance.
    top_k
        Suppliers kept per customer and supplier sector.
    match_sigma
        Standard deviation of the log of a lognormal firm-pair affinity multiplying the gravity
        weight (0 = pure gravity, no randomness).
    max_local_sales_share
        Optional cap on a supplier's sales inside the complex as a share of its production
        (``null``: no cap, suppliers may be allocated more than they make).
    """

    name: Annotated[str, Field(min_length=1, max_length=64)] = "supply-network"
    provenance: Provenance | None = None
    local_input_share: dict[Sector, SourcedFloat]
    input_shares: dict[Sector, ShareRow]
    process_input_shares: dict[ProcessName, ShareRow] = Field(default_factory=dict)
    decay_km: SourcedFloat
    detour_factor: SourcedFloat
    top_k: SourcedInt
    match_sigma: SourcedFloat
    max_local_sales_share: SourcedFloat | None = None
    supplier_size_exponent: SourcedFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> NetworkParams:
        for label, table in (
            ("local_input_share", self.local_input_share),
            ("input_shares", self.input_shares),
        ):
            missing = [s for s in SECTORS if s not in table]
            if missing:
                raise ValueError(f"{label} needs every sector; missing: {', '.join(missing)}")
        for sector, item in self.local_input_share.items():
            if not 0.0 <= item.value < 0.9:
                raise ValueError(
                    f"local_input_share.{sector} must be in [0, 0.9), got {item.value:g}"
                )
        if not self.decay_km.value > 0:
            raise ValueError("decay_km must be positive")
        if not self.detour_factor.value >= 1.0:
            raise ValueError("detour_factor must be at least 1 (roads are never shorter)")
        if not 1 <= self.top_k.value <= 1000:
            raise ValueError("top_k must be between 1 and 1000")
        if self.supplier_size_exponent is not None and not (
            0.0 <= self.supplier_size_exponent.value <= 1.0
        ):
            raise ValueError("supplier_size_exponent must be between 0 and 1")
        if not 0.0 <= self.match_sigma.value <= 3.0:
            raise ValueError("match_sigma must be between 0 and 3")
        cap = self.max_local_sales_share
        if cap is not None and not 0.0 < cap.value <= 1.0:
            raise ValueError("max_local_sales_share must be in (0, 1]")
        return self

    def local_share(self, sector: str) -> float:
        """Local input share of a customer sector (a plain number)."""
        return self.local_input_share[sector].value  # type: ignore[index]

    def input_row(self, sector: str, process: str | None = None) -> dict[str, float]:
        """Supplier-sector shares for a customer: its process row if given, else its sector's."""
        if process is not None and process in self.process_input_shares:
            return dict(self.process_input_shares[process].shares)
        return dict(self.input_shares[sector].shares)  # type: ignore[index]


def parse_network_params(data: Any, source: str = "<network>") -> NetworkParams:
    """Validate a mapping (parsed YAML) as :class:`NetworkParams`.

    Parameters
    ----------
    data
        The parsed YAML (or JSON) mapping.
    source
        Name of the file, used in error messages.

    Returns
    -------
    NetworkParams
        The frozen, validated parameters.

    Raises
    ------
    InputError
        On the first problem, naming the field and what is allowed.
    """
    return validate_model(NetworkParams, data, source)
