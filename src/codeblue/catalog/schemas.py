"""Service as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    pack: str
    user_facing: bool
    description: str
