"""The Textual console (the only package that imports Textual); entry point: launch.run_tui."""
