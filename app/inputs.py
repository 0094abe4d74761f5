"""Input models and text types shared by every request: text PostgreSQL can store, nothing unknown."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, field_validator


def reject_nul(value: str) -> str:
    """Refuse the NUL character: PostgreSQL cannot store it in text, so it would fail late as a 500."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


CleanText = Annotated[str, AfterValidator(reject_nul)]


class InputModel(BaseModel):
    """Base of query and body models: every text field refuses NUL."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value) if isinstance(value, str) else value
