"""Gumi Twin: a digital twin of the Gumi National Industrial Complex."""

__version__ = "0.1.0"
