"""Validated, frozen configuration: factory specs (and later, scenarios)."""

from twin.config.factory import FactorySpec
from twin.config.loader import load_factory_spec, parse_factory_spec

__all__ = ["FactorySpec", "load_factory_spec", "parse_factory_spec"]
