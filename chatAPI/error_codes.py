"""The vocabulary of machine codes in error answers (`code`) and stored turns (`error.code`).

The OpenAPI schema lists these as enums, so a generated client can match on them; the
exception handler only lets a code from this vocabulary reach a response.
"""

from __future__ import annotations

# Codes a validation failure may name (a serializer's or a view's own, and DRF's field codes).
VALIDATION_CODES: dict[str, str] = {
    "invalid": "Some input is not valid; `errors` says which field and why",
    "required": "A required field is missing",
    "null": "A field may not be null",
    "blank": "A field may not be blank",
    "max_length": "A text field is too long",
    "min_length": "A text field is too short",
    "max_string_length": "A number is too large to read",
    "max_value": "A number is too large",
    "min_value": "A number is too small",
    "invalid_choice": "A value is not one of the allowed choices",
    "not_a_list": "A list was expected",
    "empty": "A list may not be empty",
    "too_long": "The question or SQL is longer than allowed",
    "unknown_datasource": "No datasource you may use has this id",
    "unknown_conversation": "No conversation of yours has this id",
    "datasource_mismatch": "The conversation asks another datasource",
    "confirm_all": "Deleting every conversation needs `?all=true`",
    "invalid_page_size": "`per-page` must be a positive whole number",
    "invalid_credentials": "No account matches this email and password",
    "wrong_password": "The password given to confirm is not the account's",
    "password_mismatch": "The two passwords differ",
    "password_too_short": "The password is too short",
    "password_too_similar": "The password is too similar to the email or nickname",
    "password_too_common": "The password is too common",
    "password_entirely_numeric": "The password is only digits",
}

# Codes of DRF's own exceptions and of the authentication library.
HTTP_CODES: dict[str, str] = {
    "error": "The request could not be completed",
    "parse_error": "The body is not valid JSON",
    "authentication_failed": "The credentials were not accepted",
    "not_authenticated": "This needs `Authorization: Bearer <access>`",
    "bad_authorization_header": "The Authorization header is malformed",
    "token_not_valid": "The token is expired, malformed, blacklisted or revoked",
    "user_not_found": "The token's user no longer exists",
    "user_inactive": "The token's user is inactive",
    "password_changed": "The password changed after the token was issued",
    "permission_denied": "You may not do this",
    "not_found": "No such resource (or it is not yours)",
    "page_not_found": "No such page",
    "method_not_allowed": "This method is not allowed here",
    "not_acceptable": "No representation matches the Accept header",
    "unsupported_media_type": "The body must be JSON",
    "throttled": "Too many requests; see Retry-After",
    "request_too_large": "The request body is over the size limit",
    "bad_request": "Bad request",
    "server_error": "Something went wrong on the server",
}

# Turn outcomes the pipeline stores that are not an exception class of their own.
TURN_CODES: dict[str, str] = {
    "interrupted": "The turn was cut off before it finished (its worker stopped)",
    "server_error": "The outcome could not be stored",
}


def _domain_error_codes(base) -> dict[str, str]:
    """Codes of every subclass of `base` (recursively), with each class's one-line docstring."""
    codes: dict[str, str] = {}
    pending = [base]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        code = getattr(cls, "code", "")
        if code and code not in codes:
            codes[code] = (cls.__doc__ or "").strip().splitlines()[0].rstrip(".") if cls.__doc__ else code
    return codes


def turn_error_codes() -> dict[str, str]:
    """Every `error.code` a stored turn can carry."""
    from chat.errors import LLMError
    from datasources.errors import DatasourceError

    codes = {**_domain_error_codes(DatasourceError), **_domain_error_codes(LLMError)}
    codes.update(TURN_CODES)
    return dict(sorted(codes.items()))


def error_codes() -> dict[str, str]:
    """Every `code` an error answer can carry."""
    from chatAPI.exceptions import DomainError

    codes = {**VALIDATION_CODES, **HTTP_CODES, **_domain_error_codes(DomainError)}
    return dict(sorted(codes.items()))
