"""Suggested links: another source's recommendations ranked against one (BM25 over normalised terms)."""
