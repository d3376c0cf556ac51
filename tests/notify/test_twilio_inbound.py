"""Twilio's request signature, checked against the vectors Twilio's own helper library is tested with."""

from __future__ import annotations

import pytest

from codeblue.notify.twilio_inbound import signature, valid

TOKEN = "12345"
URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"),
          ("Caller", "+14158675309")]


def test_signature__url_then_fields_in_name_order():
    assert signature(TOKEN, URI, PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert signature(TOKEN, URI, reversed(PARAMS)) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_signature__a_repeated_field_contributes_each_value_sorted():
    params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert signature(TOKEN, URI, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(("uri", "signed"), [
    pytest.param(URI, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", id="as-is"),
    pytest.param(URI.replace(".com", ".com:1234"), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", id="https-port-removed"),
    pytest.param(URI.replace(".com", ".com:1234").replace("https", "http"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
                 id="http-own-port"),
    pytest.param(URI, "kvajT1Ptam85bY51eRf/AJRuM3w=", id="https-default-port-added"),
    pytest.param(URI.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4=", id="http-default-port-added"),
])
def test_valid__with_or_without_the_port_as_twilio_accepts(uri, signed):
    assert valid(TOKEN, uri, PARAMS, signed)


@pytest.mark.parametrize("header", ["", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "rsoydt4t1cutdk1pdd93/vvr8b8=", "é" * 28])
def test_valid__anything_else_is_refused(header):
    assert not valid(TOKEN, URI, PARAMS, header)


def test_valid__another_field_value_or_token_is_refused():
    assert not valid(TOKEN, URI, [*PARAMS[:-1], ("Caller", "+10000000000")], "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid("54321", URI, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid(TOKEN, URI.replace("foo=1", "foo=2"), PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
