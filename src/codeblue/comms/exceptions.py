"""Errors of the communications domain."""

from __future__ import annotations

from codeblue.errors import BadInput


class TemplateRefused(BadInput):
    """A template or a field given to it does not render: a 400 naming the field."""

    status_code = 400
    code = "template_error"
