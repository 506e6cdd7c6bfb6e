"""File access: where the shipped data live, and reading it (domain code never reads files)."""
