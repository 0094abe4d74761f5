"""Everything a person reads, in their language: catalogues, locale negotiation and formatting."""
