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


class _RequestRoutes:
    """What every link of one request shares: its origin, URLconf and script prefix, looked up once."""

    def __init__(self, request):
        self.origin = request.build_absolute_uri("/")[:-1]
        self.urlconf = get_urlconf()
        self.script_prefix = get_script_prefix()
        self.templates: dict[tuple, str] = {}

    def path(self, viewname: str, args=(), kwargs=None) -> str:
        """`reverse()`, with integer keyword arguments filled into a template reversed once per route.

        A list page carries about six links per item; reversing each one costs more than the page query.
        """
        if args or not kwargs or not all(type(v) is int for v in kwargs.values()):
            return reverse(viewname, urlconf=self.urlconf, args=args, kwargs=kwargs)
        key = (viewname, *kwargs)
        template = self.templates.get(key)
        if template is None:
            names = tuple(sorted(kwargs))
            template = self.templates[key] = _route_template(self.urlconf, self.script_prefix, viewname, names)
        return template.format_map(kwargs)


def _routes(request) -> _RequestRoutes:
    routes = getattr(request, "_link_routes", None)
    if routes is None:
        routes = request._link_routes = _RequestRoutes(request)
    return routes


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
        routes = _routes(request)
        href = routes.origin + routes.path(viewname, args=args, kwargs=kwargs)
    elif not href.startswith(("http://", "https://")):
        href = _routes(request).origin + href if href.startswith("/") else request.build_absolute_uri(href)
    if query:
        href = f"{href}?{query}"
    return {"rel": rel, "desc": desc, "href": href, "method": method}
