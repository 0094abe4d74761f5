"""Scorecards: implementation status aggregated in SQL from the history, as of any date and recording time."""
