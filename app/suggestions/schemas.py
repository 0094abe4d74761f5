"""Response models of the suggestions API."""

from pydantic import BaseModel, ConfigDict, Field

from app.recommendations.schemas import CategoryOut
from app.vocabulary import Response


class SuggestionOut(BaseModel):
    """A recommendation of another source that may ask for the same measure, with why it was suggested."""

    code: str = Field(examples=["upr-kz-s20-1.1"])
    text: str
    source: str = Field(examples=["upr-kz-s20"])
    recommending_states: list[CategoryOut] = Field(description="The states that made it (UPR reviews).")
    response: Response | None = Field(description="The state's current position on it.")
    score: float = Field(
        description="BM25 over the normalised terms of both texts (idf from the candidate source), rounded: "
        "compare within one answer only.",
        examples=[7.412],
    )
    matched: list[str] = Field(
        description="What matched, weightiest first: words of this text, or the name of a concept (English) "
        "when synonyms or inflections matched, e.g. 'defamation (libel, slander, insult)'.",
        examples=[["defamation (libel, slander, insult)", "false information", "journalists"]],
    )
    linked: bool = Field(description="Whether the two recommendations are linked already.")


class SuggestionPage(BaseModel):
    """Suggested links for one recommendation from another source, best first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "recommendation": "odf-kz-2015-4.1",
                    "source": "upr-kz-s20",
                    "items": [
                        {
                            "code": "upr-kz-s20-1.1",
                            "text": "Remove criminal liability for defamation and for “spreading knowingly "
                            "false information”, and keep the fines imposed on media outlets proportionate.",
                            "source": "upr-kz-s20",
                            "recommending_states": [
                                {"slug": "hungary", "label": "Hungary"},
                                {"slug": "australia", "label": "Australia"},
                            ],
                            "response": "noted",
                            "score": 9.734,
                            "matched": [
                                "defamation (libel, slander, insult)",
                                "false information",
                                "decriminalisation (into civil law)",
                            ],
                            "linked": False,
                        }
                    ],
                }
            ]
        }
    )

    recommendation: str = Field(description="The recommendation the suggestions are for.")
    source: str = Field(description="The source the suggestions come from.")
    items: list[SuggestionOut]
