"""Demonstration data for the catalogue: required documents (thành phần hồ sơ) of a few
procedures, so that the counter's checklist has something to show on a fresh ``motcua up``.

The shipped reference data (``data/procedures_hanoi.csv``) carries no required documents. The
lists below follow the published texts of these procedures (Luật Hộ tịch 2014, Nghị định
123/2015/NĐ-CP and Thông tư 04/2020/TT-BTP for civil status; Nghị định 23/2015/NĐ-CP for
certification; Luật Đất đai 2024 and Nghị định 101/2024/NĐ-CP for land; Luật Cư trú 2020 for
residence), written from what is publicly known about them. They are **demonstration data**:
every row's note starts with :data:`DEMO_MARK`; check them against the city's decision that
publishes each procedure before real use, and enter the real lists in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from motcua.catalog.models import ProcedureVersion, RequiredDocument
from motcua.catalog.selectors import version_in_force
from motcua.core.services import audit_record

#: Every demo row's note starts with this, so that an operator can find and delete them.
DEMO_MARK = "[demo]"
_CHECK = "Dữ liệu trình diễn: đối chiếu với quyết định công bố thủ tục trước khi dùng thật."

ORIGINAL = RequiredDocument.CopyKind.ORIGINAL
CERTIFIED = RequiredDocument.CopyKind.CERTIFIED_COPY
COPY = RequiredDocument.CopyKind.COPY


@dataclass(frozen=True)
class DemoDocument:
    name: str
    copy_kind: str = ORIGINAL
    count: int = 1
    optional: bool = False
    note: str = ""


_AUTHORISATION = DemoDocument(
    "Văn bản ủy quyền theo quy định của pháp luật (trường hợp ủy quyền thực hiện thủ tục)",
    CERTIFIED,
    optional=True,
    note=(
        "Không phải chứng thực nếu người được ủy quyền là ông, bà, cha, mẹ, con, vợ, chồng, "
        "anh, chị, em ruột của người ủy quyền."
    ),
)

DEMO_DOCUMENTS: dict[str, tuple[DemoDocument, ...]] = {
    # Thủ tục đăng ký khai sinh
    "1.001193": (
        DemoDocument("Tờ khai đăng ký khai sinh theo mẫu"),
        DemoDocument(
            "Giấy chứng sinh; nếu không có Giấy chứng sinh thì văn bản của người làm chứng xác "
            "nhận về việc sinh; nếu không có người làm chứng thì giấy cam đoan về việc sinh"
        ),
        DemoDocument(
            "Biên bản xác nhận việc trẻ bị bỏ rơi do cơ quan có thẩm quyền lập "
            "(trường hợp khai sinh cho trẻ em bị bỏ rơi)",
            optional=True,
        ),
        DemoDocument(
            "Văn bản chứng minh việc mang thai hộ (trường hợp trẻ em sinh ra do mang thai hộ)",
            CERTIFIED,
            optional=True,
        ),
        _AUTHORISATION,
    ),
    # Thủ tục đăng ký kết hôn
    "1.000894": (
        DemoDocument(
            "Tờ khai đăng ký kết hôn theo mẫu",
            note="Hai bên nam, nữ có thể khai chung một tờ khai.",
        ),
        DemoDocument(
            "Giấy xác nhận tình trạng hôn nhân (trường hợp thông tin về tình trạng hôn nhân "
            "chưa có trong cơ sở dữ liệu hộ tịch, dân cư)",
            optional=True,
        ),
    ),
    # Thủ tục đăng ký khai tử
    "1.000656": (
        DemoDocument("Tờ khai đăng ký khai tử theo mẫu"),
        DemoDocument("Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử do cơ quan có thẩm quyền cấp"),
        _AUTHORISATION,
    ),
    # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân
    "1.004873": (
        DemoDocument("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu"),
        DemoDocument(
            "Giấy tờ chứng minh đã ly hôn hoặc vợ, chồng đã chết (trường hợp đã có vợ, chồng "
            "nhưng đã ly hôn hoặc người kia đã chết)",
            CERTIFIED,
            optional=True,
        ),
        DemoDocument(
            "Giấy xác nhận tình trạng hôn nhân đã được cấp trước đây (trường hợp yêu cầu cấp "
            "lại để sử dụng vào mục đích khác hoặc đã hết thời hạn sử dụng)",
            optional=True,
        ),
    ),
    # Chứng thực bản sao từ bản chính
    "2.000815": (
        DemoDocument(
            "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao",
            note="Bản chính được trả lại cho người yêu cầu sau khi đối chiếu.",
        ),
        DemoDocument(
            "Bản sao cần chứng thực (trường hợp người yêu cầu chứng thực cung cấp bản chụp)",
            COPY,
            optional=True,
        ),
    ),
    # Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất
    "1.012783": (
        DemoDocument("Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"),
        DemoDocument("Giấy chứng nhận đã cấp (bản gốc)"),
        DemoDocument(
            "Mảnh trích đo bản đồ địa chính thửa đất (trường hợp cấp đổi do đo đạc lại, "
            "thay đổi kích thước các cạnh, diện tích thửa đất)",
            optional=True,
        ),
        DemoDocument(
            "Hợp đồng thế chấp quyền sử dụng đất, tài sản gắn liền với đất (trường hợp đang "
            "thế chấp tại tổ chức tín dụng)",
            COPY,
            optional=True,
        ),
        _AUTHORISATION,
    ),
    # Đăng ký thường trú
    "1.004222": (
        DemoDocument("Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"),
        DemoDocument(
            "Giấy tờ, tài liệu chứng minh việc sở hữu chỗ ở hợp pháp",
            COPY,
        ),
        DemoDocument(
            "Văn bản đồng ý cho đăng ký thường trú của chủ hộ, chủ sở hữu chỗ ở hợp pháp "
            "(nếu không ghi ý kiến đồng ý trực tiếp vào tờ khai)",
            optional=True,
        ),
        DemoDocument(
            "Giấy tờ, tài liệu chứng minh quan hệ nhân thân với chủ hộ (trường hợp đăng ký "
            "thường trú về ở với người thân)",
            COPY,
            optional=True,
        ),
    ),
}


def _note(doc: DemoDocument) -> str:
    return " ".join(part for part in (DEMO_MARK, doc.note, _CHECK) if part)


@transaction.atomic
def demo_required_documents_ensure() -> int:
    """Add the demo required documents to the versions in force of :data:`DEMO_DOCUMENTS`.

    A version that already has required documents (entered in the admin, or by an earlier
    run) is left alone, so this never duplicates nor overwrites real lists. Returns the number
    of rows created. Called on the first start of ``motcua up``, with the demo accounts.
    """
    created = 0
    for code, documents in DEMO_DOCUMENTS.items():
        version: ProcedureVersion | None = version_in_force(code=code)
        if version is None or version.required_documents.exists():
            continue
        RequiredDocument.objects.bulk_create(
            RequiredDocument(
                version=version,
                order=order,
                name=doc.name,
                copy_kind=doc.copy_kind,
                count=doc.count,
                is_optional=doc.optional,
                note=_note(doc),
            )
            for order, doc in enumerate(documents, start=1)
        )
        created += len(documents)
    if created:
        audit_record(
            action="catalog.demo_documents_created",
            data={"procedures": sorted(DEMO_DOCUMENTS), "rows": created},
        )
    return created
