"""Screens: the main test screen and its modals."""
