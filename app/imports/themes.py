"""Theme labels of other databases (UPR Info's issues, the UHRI's themes) that mean an existing theme.

Keys are normalised labels (identity.normalise_text); values the slugs of the themes they mean. A label that
names two of our themes ("Freedom of association and peaceful assembly") files the row under both.
"""

from app.imports.identity import normalise_text

SAME_AS: dict[str, tuple[str, ...]] = {
    "freedom of opinion and expression": ("freedom-of-expression",),
    "freedom of expression": ("freedom-of-expression",),
    "freedom of association and peaceful assembly": ("freedom-of-association", "freedom-of-assembly"),
    "freedom of association": ("freedom-of-association",),
    "freedom of assembly": ("freedom-of-assembly",),
    "freedom of peaceful assembly": ("freedom-of-assembly",),
    "freedom of religion and belief": ("freedom-of-religion",),
    "freedom of religion": ("freedom-of-religion",),
    "freedom of thought, conscience and religion": ("freedom-of-religion",),
    "freedom of the press": ("media-freedom",),
    "media": ("media-freedom",),
    "human rights defenders": ("human-rights-defenders",),
    "justice": ("fair-trial",),
    "administration of justice & fair trial": ("fair-trial",),
    "administration of justice and fair trial": ("fair-trial",),
    "right to a fair trial": ("fair-trial",),
    "human rights education and training": ("civic-education",),
    "human rights education, trainings & awareness raising": ("civic-education",),
    "cooperation with civil society": ("state-ngo-cooperation",),
    "participation in public affairs and right to vote": ("civic-participation",),
    "international cooperation": ("international-cooperation",),
}


def theme_slugs_for(label: str) -> tuple[str, ...]:
    """The existing themes a label means, or () when it is a theme of its own."""
    return SAME_AS.get(normalise_text(label), ())
