"""/docs: the API reference rendered on the server from the OpenAPI document, with no script at all."""

from __future__ import annotations

from codeblue.web import apidocs
from tests.web.conftest import HTML


def test_docs__lists_every_operation_of_the_openapi_document_without_scripts(client, app):
    r = client.get("/docs", headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    schema = app.openapi()
    for path, item in schema["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in r.text.replace("&#34;", '"'), f"{method} {path} missing"
    assert 'id="model-IncidentOut"' in r.text


def test_docs__open_without_signing_in(client):
    assert client.get("/docs", follow_redirects=False).status_code == 200


def test_type_of__reads_refs_lists_unions_and_enums():
    assert apidocs.type_of({"$ref": "#/components/schemas/IncidentOut"}) == "IncidentOut"
    assert apidocs.type_of({"type": "array", "items": {"type": "string"}}) == "list of string"
    assert apidocs.type_of({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == "integer | null"
    assert apidocs.type_of({"enum": ["P0", "P1"]}) == "one of P0, P1"
    assert apidocs.type_of({"type": "string", "format": "date-time"}) == "string (date-time)"
    assert apidocs.type_of(None) == "any"


def test_reference__groups_operations_by_tag_with_their_parameters_and_body():
    schema = {"info": {"title": "T", "version": "1"}, "paths": {
        "/a/{id}": {"patch": {"tags": ["things"], "summary": "Change a thing",
                               "parameters": [{"name": "id", "in": "path", "required": True,
                                               "schema": {"type": "integer"}}],
                               "requestBody": {"content": {"application/json": {
                                   "schema": {"$ref": "#/components/schemas/ThingPatch"}}}},
                               "responses": {"200": {"description": "OK"}}}}},
        "components": {"schemas": {"ThingPatch": {"properties": {"name": {"type": "string"}}, "required": ["name"]}}}}
    ref = apidocs.reference(schema)
    [group] = ref.groups
    [op] = group.operations
    assert (group.tag, op.method, op.path, op.summary) == ("things", "PATCH", "/a/{id}", "Change a thing")
    assert op.params[0].name == "id" and op.params[0].required and op.body == "ThingPatch as application/json"
    assert ref.models[0].fields[0].required
