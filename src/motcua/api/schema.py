"""OpenAPI pieces shared by every endpoint: the error body, its documented responses, and the
schema class that adds the usual error responses to each operation.

Views document their own outcomes with::

    @extend_schema(responses={200: DossierSerializer, **error_responses(400, 403, 404, 409)})

and :class:`AutoSchema` (``DEFAULT_SCHEMA_CLASS``) adds, when not already listed, the errors
every operation of that shape can give: 401 (an invalid token, or none where one is needed),
403 (non-public operations), 400 (operations with a body, query or header parameters), 404
(operations with a path parameter, and cursor-paginated lists: an unknown cursor), 414
(operations with path or query parameters: gunicorn refuses request lines over 4 KiB), 415
(operations with a body), 429 (throttled operations) and, for views decorated with
:func:`motcua.api.idempotency.idempotent`, the ``Idempotency-Key`` header with 400 and 409.
String query parameters get the pattern "no NUL character", which Django's form fields (so
django-filter) refuse with a 400.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

__all__ = [
    "IDEMPOTENCY_KEY_PARAMETER",
    "AutoSchema",
    "ErrorSerializer",
    "error_responses",
]


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error answer (4xx, 5xx) of the API."""

    code = serializers.CharField(
        help_text=(
            "Mã lỗi ổn định cho máy đọc / stable machine code, e.g. `invalid`, `not_found`, "
            "`dossier.illegal_transition`."
        )
    )
    message = serializers.CharField(
        help_text=(
            "Một câu cho người đọc, theo ngôn ngữ của yêu cầu (Accept-Language) / one sentence "
            "for people, in the request's language (Accept-Language)."
        )
    )
    # DRF's metaclass moves declared fields out of the class: this does not hide `.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=(
            "Lỗi theo từng trường; trường lồng nhau viết có dấu chấm (`address.street`, "
            "`documents.0.name`), lỗi chung ở `non_field_errors` / per input field, its "
            "messages; nested fields are dotted, errors about the whole input are under "
            "`non_field_errors`."
        ),
    )

    class Meta:
        ref_name = "Error"


# (description, code, {language: (message, fields)}) for each documented status.
_CATALOGUE: dict[int, tuple[str, str, dict[str, tuple[str, dict[str, list[str]]]]]] = {
    400: (
        "Dữ liệu không hợp lệ / invalid input",
        "invalid",
        {
            "vi": ("Một số trường không hợp lệ.", {"name": ["Trường này là bắt buộc."]}),
            "en": ("Some fields are not valid.", {"name": ["This field is required."]}),
        },
    ),
    401: (
        "Chưa xác thực hoặc token sai / not authenticated or invalid token",
        "not_authenticated",
        {
            "vi": ("Cần xác thực: hãy đăng nhập hoặc gửi token hợp lệ.", {}),
            "en": ("Authentication is required: sign in or send a valid token.", {}),
        },
    ),
    403: (
        "Không có quyền / not allowed",
        "permission_denied",
        {
            "vi": ("Bạn không có quyền thực hiện thao tác này.", {}),
            "en": ("You do not have permission to do this.", {}),
        },
    ),
    404: (
        "Không tìm thấy / not found",
        "not_found",
        {
            "vi": ("Không tìm thấy đối tượng được yêu cầu.", {}),
            "en": ("The requested object was not found.", {}),
        },
    ),
    405: (
        "Phương thức không được phép / method not allowed",
        "method_not_allowed",
        {
            "vi": ("Không cho phép phương thức DELETE ở đây.", {}),
            "en": ("Method DELETE is not allowed here.", {}),
        },
    ),
    406: (
        "Không trả lời được theo định dạng yêu cầu / not acceptable",
        "not_acceptable",
        {
            "vi": (
                (
                    "Máy chủ không thể trả lời theo định dạng mà tiêu đề Accept yêu cầu; "
                    "hãy yêu cầu application/json."
                ),
                {},
            ),
            "en": (
                (
                    "The server cannot answer in the format asked for by the Accept header; "
                    "ask for application/json."
                ),
                {},
            ),
        },
    ),
    409: (
        (
            "Xung đột với trạng thái hiện tại, hoặc Idempotency-Key đã dùng cho yêu cầu khác / "
            "conflict with the current state, or an Idempotency-Key reused for another request"
        ),
        "dossier.illegal_transition",
        {
            "vi": ("Hồ sơ đang ở trạng thái không cho phép thao tác này.", {}),
            "en": ("The dossier's current status does not allow this action.", {}),
        },
    ),
    422: (
        (
            "Dữ liệu đúng khuôn dạng nhưng trái quy định nghiệp vụ / well-formed input "
            "refused by a rule of the domain"
        ),
        "dossier.competent_agency_required",
        {
            "vi": (
                "Hãy cho biết cơ quan có thẩm quyền giải quyết hồ sơ này.",
                {"competent_agency": ["bắt buộc đối với thủ tục này"]},
            ),
            "en": (
                "Say which agency is competent to settle this dossier.",
                {"competent_agency": ["required for this procedure"]},
            ),
        },
    ),
    414: (
        (
            "Đường dẫn và tham số truy vấn quá dài (trên 4 KiB): máy chủ web từ chối trước khi "
            "tới motcua, nội dung không phải JSON / request line over 4 KiB: refused by the web "
            "server before motcua, the body is not JSON"
        ),
        "",
        {},
    ),
    415: (
        "Kiểu dữ liệu không được hỗ trợ / unsupported media type",
        "unsupported_media_type",
        {
            "vi": ("Không hỗ trợ kiểu dữ liệu text/plain của yêu cầu.", {}),
            "en": ("The media type text/plain of the request is not supported.", {}),
        },
    ),
    429: (
        "Quá nhiều yêu cầu (xem Retry-After) / too many requests (see Retry-After)",
        "throttled",
        {
            "vi": ("Quá nhiều yêu cầu; hãy thử lại sau.", {}),
            "en": ("Too many requests; try again later.", {}),
        },
    ),
    500: (
        "Lỗi máy chủ / server error",
        "server_error",
        {
            "vi": ("Đã xảy ra lỗi không mong muốn trên máy chủ; lỗi đã được ghi lại.", {}),
            "en": ("An unexpected error occurred on the server; it has been logged.", {}),
        },
    ),
}

_LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# More examples for a status: (code, {language: (message, fields)}).
_MORE_EXAMPLES: dict[int, list[tuple[str, dict[str, tuple[str, dict[str, list[str]]]]]]] = {
    409: [
        (
            "idempotency.key_reused",
            {
                "vi": (
                    "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.",
                    {"Idempotency-Key": ["Hãy dùng khóa mới cho yêu cầu mới."]},
                ),
                "en": (
                    "This Idempotency-Key was already used for a different request.",
                    {"Idempotency-Key": ["Use a new key for a new request."]},
                ),
            },
        )
    ]
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for ``statuses``, each with a Vietnamese and an English
    example, for ``@extend_schema(responses={200: X, **error_responses(400, 404)})``."""
    out: dict[int, OpenApiResponse] = {}
    for status_code in statuses:
        if status_code not in _CATALOGUE:
            known = ", ".join(str(s) for s in sorted(_CATALOGUE))
            raise ValueError(f"no documented error for HTTP {status_code} (known: {known})")
        description, code, languages = _CATALOGUE[status_code]
        if not code:  # answered by the web server in front of motcua: no JSON body
            out[status_code] = OpenApiResponse(description=description)
            continue
        examples = [
            OpenApiExample(
                f"{status_code}-{example_code}-{language}",
                summary=f"{example_code} ({_LANGUAGE_NAMES[language]})",
                value={"code": example_code, "message": message, "fields": fields},
                response_only=True,
                status_codes=[str(status_code)],
            )
            for example_code, languages_ in [
                (code, languages),
                *_MORE_EXAMPLES.get(status_code, []),
            ]
            for language, (message, fields) in languages_.items()
        ]
        out[status_code] = OpenApiResponse(
            response=ErrorSerializer, description=description, examples=examples
        )
    return out


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Khóa do máy khách tạo (nên là UUID) để gửi lại an toàn: yêu cầu lặp lại với cùng khóa "
        "và cùng nội dung trả lại kết quả lần đầu (tiêu đề `Idempotent-Replayed: true`) mà "
        "không làm lại; cùng khóa với nội dung khác bị từ chối (409). Giữ 24 giờ. / "
        "A client-chosen key (a UUID is best) for safe retries: a repeat with the same key and "
        "the same request replays the first answer (header `Idempotent-Replayed: true`) without "
        "doing it again; the same key with a different request is refused (409). Kept 24 hours."
    ),
    # The header's rule (motcua.api.idempotency.KEY_RE): 1 to 255 printable ASCII characters,
    # not starting or ending with a space (HTTP strips those).
    pattern=r"^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$",
)


# A string without NUL characters, as a JSON schema pattern.
NO_NUL_PATTERN = r"^[^\x00]*$"


def _status_key(code: Any) -> str:
    return str(code[0] if isinstance(code, tuple) else code)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema class, plus the error responses each operation can give."""

    def _handler(self) -> Any:
        name = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, name, None)

    def _is_idempotent(self) -> bool:
        return bool(getattr(self._handler(), "motcua_idempotent", False))

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(  # type: ignore[no-untyped-call]
            field, direction, bypass_extensions
        )
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not {"enum", "pattern", "format"} & set(schema)
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            # DRF's CharField refuses NUL characters with a 400: say so in the schema.
            schema["pattern"] = NO_NUL_PATTERN
        return schema

    def _is_public(self) -> bool:
        return any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._is_idempotent():
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: Any,
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if (
                parameter.get("in") == "query"
                and schema.get("type") == "string"
                and not {"enum", "pattern", "format"} & set(schema)
            ):
                # Django's form fields (django-filter) refuse NUL characters with a 400.
                schema["pattern"] = NO_NUL_PATTERN
        where = {p.get("in") for p in parameters}
        names = {p.get("name") for p in parameters}
        has_body = "requestBody" in operation
        wanted: set[int] = set()
        if self.view.get_authenticators():
            wanted.add(401)
        if not self._is_public():
            wanted.add(403)
        if has_body or where & {"query", "header"}:
            wanted.add(400)
        if "path" in where or "cursor" in names:
            wanted.add(404)
        if where & {"path", "query"}:
            wanted.add(414)
        if has_body:
            wanted.add(415)
        if self.view.get_throttles():
            wanted.add(429)
        if self._is_idempotent():
            wanted |= {400, 409}
        responses: dict[str, Any] = operation["responses"]
        documented = {_status_key(code) for code in responses}
        for status_code, response in error_responses(*sorted(wanted)).items():
            if str(status_code) not in documented:
                responses[str(status_code)] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    response, str(status_code)
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation
