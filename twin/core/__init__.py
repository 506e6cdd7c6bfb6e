"""Core utilities shared by every layer: random streams, statistics, errors, units."""
