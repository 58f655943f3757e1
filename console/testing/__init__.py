"""Saved test events as a regression suite: expectations, comparison, the runner, JUnit, the pytest plugin."""
