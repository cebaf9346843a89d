"""The life events citizens browse by (duyệt theo sự kiện), with the procedures of each.

The grouping follows how the national portal presents "dịch vụ công theo sự kiện" (a child
is born, marriage, a death in the family, moving house, opening a household business,
building a house, driving…): every procedure listed below is in the shipped catalogue
(data/procedures_hanoi.csv). :func:`life_events_ensure` creates the missing events on
``motcua up``; an event an operator edited in the admin is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from motcua.catalog.models import LifeEvent, Procedure


@dataclass(frozen=True)
class LifeEventDefinition:
    slug: str
    name: str
    description: str
    procedures: tuple[str, ...]


LIFE_EVENTS: tuple[LifeEventDefinition, ...] = (
    LifeEventDefinition(
        "sinh-con",
        "Sinh con",
        "Đăng ký khai sinh, đăng ký thường trú và cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 "
        "tuổi; nhận cha, mẹ, con; thẻ căn cước cho người dưới 14 tuổi.",
        ("1.001193", "2.000986", "1.000689", "1.001022", "1.014062"),
    ),
    LifeEventDefinition(
        "ket-hon",
        "Kết hôn",
        "Xác nhận tình trạng hôn nhân và đăng ký kết hôn.",
        ("1.004873", "1.000894"),
    ),
    LifeEventDefinition(
        "nguoi-than-qua-doi",
        "Người thân qua đời",
        "Đăng ký khai tử, xóa đăng ký thường trú, chứng thực di chúc và văn bản phân chia di sản.",
        ("1.000656", "1.003197", "2.001019", "2.001406"),
    ),
    LifeEventDefinition(
        "cu-tru",
        "Chuyển nơi ở",
        "Đăng ký thường trú, tạm trú, gia hạn tạm trú, khai báo tạm vắng.",
        ("1.004222", "1.004194", "1.002755", "1.003677", "1.010028"),
    ),
    LifeEventDefinition(
        "giay-to-tuy-than",
        "Giấy tờ tùy thân",
        "Thẻ căn cước, tài khoản định danh điện tử, hộ chiếu, lý lịch tư pháp.",
        ("1.014061", "1.014063", "1.014064", "3.000228", "1.001456", "3.000333"),
    ),
    LifeEventDefinition(
        "kinh-doanh",
        "Mở cơ sở kinh doanh",
        "Thành lập, thay đổi, tạm ngừng và chấm dứt hộ kinh doanh; thành lập doanh nghiệp.",
        ("1.001612", "2.000720", "1.001570", "1.001266", "2.001610", "2.001583"),
    ),
    LifeEventDefinition(
        "xay-nha",
        "Xây, sửa nhà",
        "Giấy phép xây dựng mới, sửa chữa, cải tạo, gia hạn và điều chỉnh; đăng ký đất đai.",
        ("1.013225", "1.013229", "1.013227", "1.013226", "1.013978"),
    ),
    LifeEventDefinition(
        "phuong-tien",
        "Mua xe, lái xe",
        "Đăng ký xe, đổi và cấp lại giấy phép lái xe.",
        ("1.013067", "1.013076", "3.000347", "3.000348", "3.000346"),
    ),
)


@transaction.atomic
def life_events_ensure() -> int:
    """Create the life events that do not exist yet (by slug); returns how many."""
    created = 0
    for order, definition in enumerate(LIFE_EVENTS, start=1):
        event, new = LifeEvent.objects.get_or_create(
            slug=definition.slug,
            defaults={
                "name": definition.name,
                "description": definition.description,
                "order": order,
            },
        )
        if new:
            created += 1
            event.procedures.set(Procedure.objects.filter(code__in=definition.procedures))
    return created
