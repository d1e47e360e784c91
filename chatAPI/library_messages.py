"""Messages that DRF, simplejwt and dj-rest-auth put in API responses, listed for the project catalogue.

Django, DRF, simplejwt, dj-rest-auth and allauth ship Korean catalogues of their own
(DRF's and simplejwt's as `ko_KR`, which gettext also finds for `ko`). Some of their
texts read awkwardly ("이 필드는 blank일 수 없습니다."), one library's wording differs from
another's for the same message, and newer messages are missing ("Token is invalid").
`makemessages` collects these msgids into `locale/<lang>/LC_MESSAGES/django.po`; the
libraries translate them at run time with the same msgids, and the project catalogue,
which Django merges last (`LOCALE_PATHS`), answers. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

LIBRARY_MESSAGES = [
    # rest_framework.exceptions
    gettext_noop("Malformed request."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("You do not have permission to perform this action."),
    gettext_noop("Not found."),
    gettext_noop('Method "{method}" not allowed.'),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("Request was throttled."),
    gettext_noop("Invalid input."),
    gettext_noop("A server error occurred."),
    # rest_framework.fields and serializers
    gettext_noop("This field is required."),
    gettext_noop("This field may not be null."),
    gettext_noop("This field may not be blank."),
    gettext_noop("Not a valid string."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("String value too large."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This list may not be empty."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop("No data provided."),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop("Invalid page."),
    # dj_rest_auth and rest_framework.authtoken
    gettext_noop("Unable to log in with provided credentials."),
    gettext_noop("The two password fields didn't match."),
    # rest_framework_simplejwt
    gettext_noop("Authorization header must contain two space-delimited values"),
    gettext_noop("Given token not valid for any token type"),
    gettext_noop("Token contained no recognizable user identification"),
    gettext_noop("User not found"),
    gettext_noop("User is inactive"),
    gettext_noop("The user's password has been changed."),
    gettext_noop("Token is invalid or expired"),
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("Token is blacklisted"),
    gettext_noop("Token has no id"),
    gettext_noop("Token has no type"),
    gettext_noop("Token has wrong type"),
    gettext_noop("No active account found with the given credentials"),
]
