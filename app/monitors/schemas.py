"""Request and response models for monitors and tokens."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import InputModel, OneLineText
from app.vocabulary import Role


class TokenOut(BaseModel):
    """A token's metadata; its value is never shown again."""

    id: int
    prefix: str = Field(description="The first characters, to tell tokens apart.")
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    """A freshly issued token: `token` is shown this once (null when an idempotent retry replays it)."""

    token: str | None = Field(examples=["rt_3q2…"])


class MonitorOut(BaseModel):
    """A monitor, as admins see them."""

    id: int
    name: str
    alias: str = Field(examples=["Monitor 3"], description="What the public sees instead of the name.")
    role: Role
    created_at: datetime
    tokens: list[TokenOut] | None


class MeOut(MonitorOut):
    """The caller and the token they used."""

    token: TokenOut


class MonitorIn(InputModel):
    """A new monitor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: OneLineText = Field(min_length=1, max_length=200)
    role: Role = Role.monitor


class TokenIn(InputModel):
    """A new token for an existing monitor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str | None = Field(default=None, max_length=200)


class NewMonitorOut(BaseModel):
    """A new monitor and their first token."""

    monitor: MonitorOut
    token: NewTokenOut
