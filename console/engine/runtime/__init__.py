"""The runtime that runs inside execution environments (a script, started as its own process)."""
