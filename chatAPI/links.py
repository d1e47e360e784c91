"""Builds the `_links` lists that make the API walkable (HATEOAS)."""

from functools import lru_cache
from typing import TypedDict

from django.urls import get_script_prefix, get_urlconf, reverse

# Stand-ins for URL arguments while a route is reversed once into a template; digits, so that
# `<int:pk>` routes accept them, and long enough that no real path segment contains them.
_PLACEHOLDER = "7319046285{}"


class Link(TypedDict):
    """One hypermedia link: a stable rel, a human description, an absolute href and a method."""

    rel: str
    desc: str
    href: str
    method: str


@lru_cache(maxsize=512)
def _route_template(urlconf, script_prefix: str, viewname: str, names: tuple[str, ...]) -> str:
    """`reverse()` of a route with `{name}` holes where its keyword arguments go."""
    path = reverse(viewname, urlconf=urlconf, kwargs={n: _PLACEHOLDER.format(i) for i, n in enumerate(names)})
    for i, name in enumerate(names):
        path = path.replace(_PLACEHOLDER.format(i), "{" + name + "}")
    return path


def _reverse(viewname: str, args=(), kwargs=None) -> str:
    """`reverse()`, with integer keyword arguments filled into a template reversed once per route.

    A list page carries about six links per item; reversing each one costs more than the query.
    """
    if args or not kwargs or not all(isinstance(v, int) for v in kwargs.values()):
        return reverse(viewname, args=args, kwargs=kwargs)
    names = tuple(sorted(kwargs))
    return _route_template(get_urlconf(), get_script_prefix(), viewname, names).format(**kwargs)


def _origin(request) -> str:
    """`scheme://host` of the request, worked out once per request."""
    origin = getattr(request, "_links_origin", None)
    if origin is None:
        origin = request.build_absolute_uri("/")[:-1]
        request._links_origin = origin
    return origin


def link(
    request,
    rel: str,
    desc: str,
    viewname: str | None = None,
    *,
    args=(),
    kwargs=None,
    method: str = "GET",
    href: str | None = None,
    query: str = "",
) -> Link:
    """Return one link; `href` is made absolute against the request."""
    if href is None:
        href = _reverse(viewname, args=args, kwargs=kwargs)
    if query:
        href = f"{href}?{query}"
    if not href.startswith(("http://", "https://")):
        href = _origin(request) + href if href.startswith("/") else request.build_absolute_uri(href)
    return {"rel": rel, "desc": desc, "href": href, "method": method}
