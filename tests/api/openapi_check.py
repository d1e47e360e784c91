"""Checks real API answers against the OpenAPI schema the server publishes.

`SchemaChecker.check(method, path, response)` finds the documented operation, fails when the
status is not documented for it, and validates a JSON body against the documented schema
(OpenAPI 3.0 `nullable` read as JSON Schema's null type).
"""

from __future__ import annotations

import json
import re
from functools import cache

import jsonschema
from drf_spectacular.generators import SchemaGenerator


def _to_json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes `anyOf [..., null]`."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key.startswith("x-"):
            continue
        if key in ("properties", "schemas"):  # maps of names to schemas, not schemas themselves
            converted[key] = {name: _to_json_schema(item) for name, item in value.items()}
        else:
            converted[key] = _to_json_schema(value)
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False  # a field the schema does not name is a failure
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def published_schema() -> dict:
    """The schema as `manage.py spectacular` writes it (JSON-round-tripped)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


class SchemaChecker:
    """Validates answers against the published schema; `checked` counts what it validated per operation."""

    def __init__(self, schema: dict | None = None):
        self.schema = schema or published_schema()
        self.components = {"schemas": _to_json_schema(self.schema["components"])["schemas"]}
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", path) + "$"), path, item)
            for path, item in self.schema["paths"].items()
        ]
        self.checked: dict[str, set[int]] = {}

    def operation(self, method: str, path: str) -> dict | None:
        path = path.split("?")[0]
        for pattern, _template, item in self.routes:
            if pattern.match(path):
                return item.get(method.lower())
        return None

    def check(self, method: str, path: str, response) -> None:
        """Fail unless `response` is documented for `method path` and its JSON body matches."""
        operation = self.operation(method, path)
        if operation is None:
            return
        status = str(response.status_code)
        documented = operation["responses"]
        assert status in documented, (
            f"{method} {path} answered {status}, documented only {sorted(documented)}: {response.content[:300]!r}"
        )
        content = documented[status].get("content", {})
        if method.upper() == "HEAD" or status == "204":
            return
        media = response["Content-Type"].split(";")[0]
        assert media in content, f"{method} {path} {status} answered {media}, documented {sorted(content)}"
        if media != "application/json":
            return
        schema = {**_to_json_schema(content[media]["schema"]), "components": self.components}
        jsonschema.validate(json.loads(response.content), schema)
        self.checked.setdefault(operation["operationId"], set()).add(response.status_code)

    def check_stream(self, path: str, text: str) -> list[str]:
        """Validate each server-sent event of an ask's stream against its documented payload; the event names."""
        media = self.operation("POST", path)["responses"]["200"]["content"]["text/event-stream"]
        names = []
        for block in text.split("\n\n"):
            lines = [line for line in block.splitlines() if not line.startswith(":")]
            if not lines:
                continue
            name = lines[0].removeprefix("event: ")
            data = json.loads(lines[1].removeprefix("data: "))
            assert name in media["x-events"], f"undocumented event {name!r}"
            jsonschema.validate(data, {**media["x-events"][name], "components": self.components})
            names.append(name)
        return names
