"""The discrete-event factory engine (the only package that imports simpy)."""

from twin.des.engine import simulate
from twin.des.results import RepResult

__all__ = ["RepResult", "simulate"]
