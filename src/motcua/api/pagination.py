"""Cursor pagination for every list of the API (``DEFAULT_PAGINATION_CLASS``).

Cursor pages stay fast at millions of rows (no ``OFFSET``, no ``COUNT``) and stable while rows
are added. Each view names its order::

    class DossierList(generics.ListAPIView):
        ordering = ("-received_at", "-id")   # the last field unique, the first one indexed

50 items a page; ``?page_size=`` from 1 to 200. ``next`` and ``previous`` are the links to
follow; a cursor that was not produced by the API is answered with 404 ``not_found``.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

__all__ = ["CursorPage"]


class CursorPage(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering: Any = None  # set by each view (``ordering = ("code",)``)
    invalid_cursor_message = cast(
        str, _("This page cursor is not valid; start again from the first page.")
    )

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> Any:
        if any(
            hasattr(backend, "get_ordering") for backend in getattr(view, "filter_backends", [])
        ):
            return super().get_ordering(request, queryset, view)
        ordering = getattr(view, "ordering", None) or self.ordering
        if not ordering:
            raise ImproperlyConfigured(
                f"{type(view).__name__} uses CursorPage: give it an `ordering` "
                "(a tuple of fields whose last one is unique, e.g. ('-created_at', '-id'))."
            )
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        def link(description: str, example: str) -> dict[str, Any]:
            return {
                "type": "string",
                "format": "uri",
                "nullable": True,
                "description": description,
                "example": example,
            }

        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": link(
                    "Trang sau; trống ở trang cuối / the next page; null on the last page.",
                    "https://motcua.example.gov.vn/api/v1/procedures/?cursor=cD0xLjAwMTE5Mw%3D%3D",
                ),
                "previous": link(
                    "Trang trước; trống ở trang đầu / the previous page; null on the first page.",
                    "https://motcua.example.gov.vn/api/v1/procedures/?cursor=cj0xJnA9MS4wMDA4OTQ%3D",
                ),
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"Số mục mỗi trang / items per page (1–{self.max_page_size}, "
                    f"default {self.page_size})."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Con trỏ trang lấy từ `next` hoặc `previous` / the page cursor, taken from "
                    "`next` or `previous`."
                )
        return parameters
