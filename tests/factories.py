"""factory_boy factories for tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile

PASSWORD = "mat-khau-thu-nghiem-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Cán bộ {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.set([Group.objects.get_or_create(name=Role(r).value)[0] for r in extracted])
        if create:
            self.save()


def staff(
    role: Role, *, agency_code: str = "H26.02", point_code: str | None = None, **kwargs: Any
) -> User:
    return UserFactory(
        roles=[role],
        agency=Agency.objects.get(code=agency_code),
        service_point=ServicePoint.objects.get(code=point_code) if point_code else None,
        **kwargs,
    )


class CitizenProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenProfile

    kind = CitizenProfile.Kind.PERSON
    full_name = "Trần Thị Bình"
    personal_id = factory.Sequence(lambda n: f"0011{85 + n % 10:02d}{n:06d}")
