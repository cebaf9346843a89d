"""The reference cache: hits without a query, cleared by a save in this process."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.core import refcache
from motcua.dossiers import refs
from motcua.org.models import Agency

pytestmark = pytest.mark.django_db


def test_a_cached_agency_is_read_once_and_a_save_clears_it(
    reference: None, django_assert_num_queries: Any
) -> None:
    agency = Agency.objects.get(code="H26.05")
    with django_assert_num_queries(1):
        first = refs.agencies.get(agency.pk)
        again = refs.agencies.get(agency.pk)
    assert first is again and first.code == "H26.05"
    agency.name = "Sở Nông nghiệp và Môi trường (đổi tên)"
    agency.save()
    with django_assert_num_queries(1):
        fresh = refs.agencies.get(agency.pk)
    assert fresh is not first and fresh.name.endswith("(đổi tên)")


def test_an_expired_row_is_read_again(reference: None, django_assert_num_queries: Any) -> None:
    cache = refcache.ReferenceCache(Agency, ttl=0)
    pk = Agency.objects.get(code="H26.05").pk
    with django_assert_num_queries(2):
        cache.get(pk)
        cache.get(pk)


def test_attach_fills_foreign_keys_and_refuses_other_fields(
    reference: None, django_assert_num_queries: Any
) -> None:
    from motcua.org.models import ServicePoint

    point = ServicePoint.objects.get(code="H26.30.01")
    bare = ServicePoint.objects.get(pk=point.pk)
    refs.agencies.get(point.agency_id)  # warm
    with django_assert_num_queries(0):
        refs.agencies.attach(bare, "agency")
        assert bare.agency.code == "H26.30"
    with pytest.raises(TypeError, match="not a foreign key"):
        refs.agencies.attach(bare, "code")
    refcache.clear_all()
    with django_assert_num_queries(1):
        refs.agencies.attach(bare, "agency")
