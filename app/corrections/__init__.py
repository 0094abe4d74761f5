"""Corrections: a monitor replaces an assessment or an evidence link they recorded wrongly."""
