"""Routers for pages: every route on one needs a signed-in person, and every form post its CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from codeblue.deps import check_csrf


def page_router() -> APIRouter:
    """What each domain's pages.py builds its routes on; which role a page needs is said per route."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
