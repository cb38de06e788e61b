"""Extract from GitHub's OpenAPI description the operations github_setup.py calls.

The generated project's .github/scripts/github_setup.py talks to GitHub's REST API
through `gh api`. The suite checks every call it makes against GitHub's published
description (tests/support/github_api.py): the operation (method and path template)
exists, and the body validates against the operation's request-body schema. The whole
description is 13 MB and the suite runs offline, so this script keeps what the checks
read: for each operation in OPERATIONS, its request-body schema (every ``$ref``
resolved; OpenAPI 3.0's ``nullable`` turned into a JSON Schema ``"null"`` type;
descriptions and examples dropped) and the response status codes GitHub documents; for
each operation in RESPONSES, also what its 200 response holds at the top level: each
property's type, and the properties it always has.

Run it by hand when the script calls another operation or the description moves on
(npm's @octokit/openapi ships it; the version is in SOURCE), and commit the result:

    npm pack @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz
    uv run python scripts/trim_openapi.py package/generated/api.github.com.json

It writes tests/support/github_openapi.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

SOURCE = "@octokit/openapi@23.0.2 generated/api.github.com.json"
OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "support" / "github_openapi.json"
OPERATIONS = [
    ("GET", "/repos/{owner}/{repo}"),
    ("GET", "/users/{username}"),
    ("GET", "/repos/{owner}/{repo}/environments/{environment_name}"),
    ("PUT", "/repos/{owner}/{repo}/environments/{environment_name}"),
    ("GET", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"),
    ("POST", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"),
    ("GET", "/repos/{owner}/{repo}/immutable-releases"),
    ("PUT", "/repos/{owner}/{repo}/immutable-releases"),
    ("GET", "/repos/{owner}/{repo}/rulesets"),
    ("POST", "/repos/{owner}/{repo}/rulesets"),
    ("GET", "/repos/{owner}/{repo}/rulesets/{ruleset_id}"),
    ("PUT", "/repos/{owner}/{repo}/rulesets/{ruleset_id}"),
    ("GET", "/repos/{owner}/{repo}/pages"),
    ("POST", "/repos/{owner}/{repo}/pages"),
    ("PUT", "/repos/{owner}/{repo}/pages"),
]
# The operations whose answers the fake checks (the fields the generated scripts read).
RESPONSES = [("GET", "/repos/{owner}/{repo}")]
# Words of OpenAPI that only document: JSON Schema validation ignores them anyway.
DROPPED = {"description", "example", "examples", "title", "externalDocs"}


def resolve(node: Any, description: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every $ref replaced by what it names, and ``nullable`` made a type."""
    if isinstance(node, list):
        return [resolve(item, description, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"recursive schema {ref}: the extract cannot inline it")
        target: Any = description
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return resolve(target, description, (*seen, ref))
    schema = {key: resolve(value, description, seen) for key, value in node.items() if key not in DROPPED}
    if schema.pop("nullable", False):
        if "type" in schema:
            schema["type"] = [schema["type"], "null"]
        else:
            schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def response(operation: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
    """The 200 response's top level: each property's type (or none, where the description gives
    no single one) and the properties it always has."""
    schema = resolve(operation["responses"]["200"]["content"]["application/json"]["schema"], description)
    types = {name: {"type": value["type"]} if "type" in value else {} for name, value in schema["properties"].items()}
    return {"properties": types, "required": sorted(schema.get("required", []))}


def trim(description: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for method, path in OPERATIONS:
        operation = description["paths"][path][method.lower()]
        body = operation.get("requestBody")
        operations[f"{method} {path}"] = {
            "operationId": operation["operationId"],
            "requestBody": None
            if body is None
            else {
                "required": body.get("required", False),
                "schema": resolve(body["content"]["application/json"]["schema"], description),
            },
            "responses": sorted(operation["responses"]),
        }
        if (method, path) in RESPONSES:
            operations[f"{method} {path}"]["response"] = response(operation, description)
    return {"source": SOURCE, "info": description["info"]["version"], "operations": operations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("description", type=Path, help="api.github.com.json of @octokit/openapi")
    args = parser.parse_args()
    description = json.loads(args.description.read_text(encoding="utf-8"))
    OUTPUT.write_text(json.dumps(trim(description), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(OPERATIONS)} operations)")


if __name__ == "__main__":
    main()
