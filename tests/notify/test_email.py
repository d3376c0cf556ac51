"""The email channel against a local aiosmtpd server: plain, AUTH, STARTTLS, implicit TLS, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from codeblue.notify.channels.email import EmailChannel, EmailConfig
from tests.notify.fakes import fail, free_port, message, run, server_tls_context, smtp_server

NOW = 1_773_151_200.0


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"pager", b"hunter2")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself


def channel(port: int, timeout: float = 10.0, **kw: Any) -> EmailChannel:
    cfg = EmailConfig(host="127.0.0.1", port=port, **{"starttls": False, "sender": "pages@cb.example", **kw})
    return EmailChannel(cfg, timeout=timeout, now=lambda: NOW)


def test_plain_delivery_with_headers_and_ack_link() -> None:
    with smtp_server() as (smtp, port):
        result = run(channel(port).send(message(channel="email", address="nurse@hospital.example")))
    env = smtp.envelopes[0]
    assert env.mail_from == "pages@cb.example" and env.rcpt_tos == ["nurse@hospital.example"]
    mail = smtp.parsed()
    assert mail["Subject"] == "[P1] INC-7 Orders API down"
    assert mail["From"] == "pages@cb.example" and mail["To"] == "nurse@hospital.example"
    assert mail["X-CodeBlue-Idempotency-Key"] == "page:7:0:0:3"
    assert mail["Message-ID"].endswith("@cb.example>") and mail["Message-ID"] == result.provider_id
    assert mail["Date"].datetime == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith("[P1] INC-7 orders: Orders API down\n")
    assert "Acknowledge: https://cb.example/ack/tok" in body


def test_retry_reuses_the_message_id_and_other_keys_do_not() -> None:
    with smtp_server() as (smtp, port):
        for key in ("k1", "k1", "k2"):
            run(channel(port).send(message(address="a@b.example", idempotency_key=key)))
    ids = [smtp.parsed(i)["Message-ID"] for i in range(3)]
    assert ids[0] == ids[1] != ids[2]


def test_subject_newlines_cannot_inject_headers() -> None:
    with smtp_server() as (smtp, port):
        run(channel(port).send(message(address="a@b.example", subject="Down\r\nBcc: evil@x.example")))
    mail = smtp.parsed()
    assert mail["Bcc"] is None and mail["Subject"] == "Down Bcc: evil@x.example"


def test_address_with_several_recipients_is_refused_before_connecting() -> None:
    err = fail(channel(free_port()).send(message(address="a@b.example, c@d.example")))
    assert not err.retryable


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_over_plain_connection() -> None:
    with smtp_server(authenticator=authenticator, auth_require_tls=False, auth_required=True) as (smtp, port):
        run(channel(port, username="pager", password="hunter2").send(message(address="a@b.example")))
        err = fail(channel(port, username="pager", password="wrong").send(message(address="a@b.example")))
    assert len(smtp.envelopes) == 1
    assert not err.retryable and "535" in str(err)
    assert "wrong" not in str(err)


def test_starttls_with_self_signed_certificate(tmp_path: Path) -> None:
    context = server_tls_context(tmp_path)
    with smtp_server(tls_context=context, require_starttls=True, authenticator=authenticator,
                     auth_required=True) as (smtp, port):
        run(channel(port, starttls=True, validate_certs=False, username="pager", password="hunter2")
            .send(message(address="a@b.example")))
        # validating (the default) rejects a certificate nobody vouches for, and trying again will not help
        strict = channel(port, starttls=True, username="pager", password="hunter2")
        err = fail(strict.send(message(address="a@b.example")))
        # a server demanding STARTTLS refuses a client that will not upgrade
        plain = fail(channel(port, starttls=False).send(message(address="a@b.example")))
    assert len(smtp.envelopes) == 1 and smtp.parsed()["To"] == "a@b.example"
    assert not err.retryable
    assert not plain.retryable


def test_implicit_tls(tmp_path: Path) -> None:
    with smtp_server(ssl_context=server_tls_context(tmp_path)) as (smtp, port):
        run(channel(port, use_tls=True, starttls=True, validate_certs=False).send(message(address="a@b.example")))
        err = fail(channel(port, use_tls=True).send(message(address="a@b.example")))
    assert len(smtp.envelopes) == 1
    assert not err.retryable and "CERTIFICATE_VERIFY_FAILED" in str(err)


def test_temporary_refusal_is_retryable_and_permanent_is_not() -> None:
    with smtp_server() as (smtp, port):
        smtp.rcpt_reply = "450 4.2.1 Mailbox busy, try later"
        busy = fail(channel(port).send(message(address="a@b.example")))
        smtp.rcpt_reply = "550 5.1.1 No such user"
        gone = fail(channel(port).send(message(address="a@b.example")))
    assert busy.retryable and "450" in str(busy)
    assert not gone.retryable and "No such user" in str(gone)


def test_refused_and_timeout_are_retryable() -> None:
    assert fail(channel(free_port()).send(message(address="a@b.example"))).retryable
    with smtp_server() as (smtp, port):
        smtp.data_delay = 1.5
        err = fail(channel(port, timeout=0.5).send(message(address="a@b.example")))
    assert err.retryable
