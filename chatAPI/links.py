"""Builds the `_links` lists that make the API walkable (HATEOAS)."""

from typing import TypedDict

from django.urls import reverse


class Link(TypedDict):
    """One hypermedia link: a stable rel, a human description, an absolute href and a method."""

    rel: str
    desc: str
    href: str
    method: str


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
        href = reverse(viewname, args=args, kwargs=kwargs)
    if query:
        href = f"{href}?{query}"
    if not href.startswith(("http://", "https://")):
        href = request.build_absolute_uri(href)
    return {"rel": rel, "desc": desc, "href": href, "method": method}
