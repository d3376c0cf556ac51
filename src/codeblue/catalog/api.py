"""Service routes under /api/v1/services."""

from __future__ import annotations

from fastapi import APIRouter

from codeblue.catalog import service as catalog
from codeblue.catalog.schemas import ServiceOut
from codeblue.deps import Reader, ReadSession

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.get("", response_model=list[ServiceOut])
def list_services(session: ReadSession, _: Reader) -> list[ServiceOut]:
    return [ServiceOut.model_validate(s) for s in catalog.list_services(session)]
