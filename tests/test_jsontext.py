"""JSON on the ingest path behaves like the standard library, minus NaN."""

from __future__ import annotations

import math

import pytest

from codeblue import jsontext


def test_loads__big_integers_and_unicode_survive():
    assert jsontext.loads('{"n": 123456789012345678901234567890, "s": "caf\\u00e9"}') == {
        "n": 123456789012345678901234567890, "s": "café"}


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', '[-Infinity]'])
def test_loads__nan_and_infinity_are_refused(text):
    with pytest.raises(ValueError, match="not a JSON value"):
        jsontext.loads(text)


def test_loads__malformed_text_names_line_and_column():
    with pytest.raises(ValueError, match="line 1 column"):
        jsontext.loads('{"a": }')


def test_dumps__compact_nan_as_null_and_big_integers_kept():
    assert jsontext.dumps({"a": [1, "é"], "b": math.nan}) == '{"a":[1,"é"],"b":null}'
    assert jsontext.dumps({"n": 2**70}) == '{"n":1180591620717411303424}'


def test_nan_in_an_alert__400_not_a_server_error(client, db, clock):
    from tests import factories
    from tests.alerts.senders import create_integration

    factories.seed(db, clock.now())
    admin = {"Authorization": f"Bearer {factories.tokens(db, clock.now())['admin']}"}
    key = create_integration(client, admin, "alertmanager")
    response = client.post(f"/api/v1/hooks/alertmanager/{key}", headers={"Content-Type": "application/json"},
                           content=b'{"version": "4", "alerts": [{"status": "firing", "labels": {"v": NaN}}]}')
    assert response.status_code == 400 and "NaN is not a JSON value" in response.json()["error"]["message"]
