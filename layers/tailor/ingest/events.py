"""One tracking call, as Segment's HTTP Tracking API defines it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CallType = Literal["track", "identify", "page", "screen", "group", "alias"]
CALL_TYPES: frozenset[str] = frozenset(
    {"track", "identify", "page", "screen", "group", "alias"}
)
Id = str | int | None


class TrackingCall(BaseModel):
    """A validated event; unknown top-level fields are ignored, as Segment does."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    type: CallType
    message_id: str | None = Field(default=None, alias="messageId", max_length=256)
    timestamp: datetime | None = None
    sent_at: datetime | None = Field(default=None, alias="sentAt")
    user_id: Id = Field(default=None, alias="userId")
    anonymous_id: Id = Field(default=None, alias="anonymousId")
    event: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    group_id: Id = Field(default=None, alias="groupId")
    previous_id: Id = Field(default=None, alias="previousId")
    properties: dict[str, Any] = Field(default_factory=dict)
    traits: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    integrations: dict[str, Any] = Field(default_factory=dict)

    @field_validator("timestamp", "sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _required_by_type(self) -> TrackingCall:
        if self.type == "track" and not (self.event and self.event.strip()):
            raise ValueError("a track call needs a non-empty `event`")
        if self.type == "alias" and self.previous_id is None:
            raise ValueError("an alias call needs `previousId`")
        if self.type == "group" and self.group_id is None:
            raise ValueError("a group call needs `groupId`")
        return self
