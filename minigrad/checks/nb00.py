"""Checkers for notebook 00."""
__all__: list[str] = []
