"""Recording assessments: dated judgements of a recommendation's status from a perspective."""
