"""Slack: a bot posting through the Web API, and incoming webhooks."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from codeblue.notify.channels import _http
from codeblue.notify.message import DeliveryError, Message, SendResult

T = TypeVar("T")

SECTION_LIMIT = 3000  # Slack rejects longer section text
# Slack error codes that describe Slack's trouble, not ours; anything else (invalid_auth,
# channel_not_found, not_in_channel, ...) needs a person to fix configuration.
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class SlackConfig:
    """The bot token (xoxb-...) the Web API is called with."""

    bot_token: str
    base_url: str = "https://slack.com/api/"


def escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(message: Message) -> list[dict[str, Any]]:
    """A section with the page, and an Acknowledge button linking to ack_url when there is one."""
    text = f"*{escape(message.subject)}*\n{escape(message.text)}" if message.subject else escape(message.text)
    out: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}]
    if message.ack_url:
        out.append({"type": "actions", "elements": [{
            "type": "button", "action_id": "codeblue_ack", "style": "danger", "url": message.ack_url,
            "text": {"type": "plain_text", "text": "Acknowledge"},
        }]})
    return out


class SlackChannel:
    """chat.postMessage to the channel or user id in message.address."""

    name = "slack"

    def __init__(self, config: SlackConfig, *, timeout: float = _http.DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.timeout = timeout

    def _post(self, message: Message) -> Any:
        # chat.postMessage takes no idempotency key, so the one the outbox gives cannot travel: a sender
        # that dies after Slack accepted and before the outcome was recorded posts the page again once its
        # lease runs out (same text, same acknowledge link). At least once, not exactly once, on Slack.
        # The synchronous client: AsyncWebClient needs aiohttp, which is not a dependency. retry_handlers=[]
        # because the outbox owns retries (with backoff and escalation); a hidden retry would only add delay.
        client = WebClient(token=self.config.bot_token, base_url=self.config.base_url,
                           timeout=self.timeout, retry_handlers=[])  # type: ignore[arg-type]
        return client.chat_postMessage(channel=message.address, text=escape(message.text or message.subject),
                                       blocks=blocks(message))

    async def send(self, message: Message) -> SendResult:
        response = await _call(self.name, self.timeout, self._post, message)
        return SendResult(provider_id=response.get("ts"), detail=str(response.get("channel") or ""))


def _api_error(channel: str, exc: SlackApiError) -> DeliveryError:
    response = exc.response
    status = getattr(response, "status_code", 0) or 0
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error") or "unknown_error")
    retryable = error in RETRYABLE_ERRORS or _http.retryable_status(status)
    return DeliveryError(f"{channel}: Slack API error {error} (HTTP {status})", retryable=retryable)


class SlackWebhookChannel:
    """POSTs {"text": ...} to the incoming-webhook URL in message.address."""

    name = "slack_webhook"

    def __init__(self, *, timeout: float = _http.DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    async def send(self, message: Message) -> SendResult:
        try:
            text = f"*{escape(message.subject)}*\n{escape(message.text)}" if message.subject else escape(message.text)
            if message.ack_url:
                text += f"\n<{message.ack_url}|Acknowledge>"
            # The URL carries the webhook's secret, so no error message below includes it.
            response = await _http.post(self.name, message.address, timeout=self.timeout, json={"text": text})
            if response.status_code != 200:
                # Slack answers with a bare code: invalid_payload, no_service, channel_is_archived, ...
                raise _http.status_error(self.name, response)
            return SendResult(detail=response.text[:100])
        except DeliveryError:
            raise
        except Exception as exc:
            raise _http.unexpected(self.name, exc) from exc


# Errors of conversations.invite that leave the channel usable: the post still goes ahead.
INVITE_HARMLESS = {"already_in_channel", "cant_invite_self", "user_not_found", "user_is_restricted",
                   "user_is_ultra_restricted", "cant_invite", "no_user"}
NAME_ATTEMPTS = 5  # incident-x, then incident-x-2 … incident-x-5 when an archived or private one holds the name
LIST_PAGES = 20


class SlackIncidentChannel:
    """An incident's own channel: conversations.create (reusing or suffixing a taken name), conversations.invite
    of the Slack user ids in data["users"], then chat.postMessage of the message. provider_id is the channel id.

    Retried by the outbox as a whole: a retry after the channel was made finds it by its name (name_taken)
    and carries on with the invite and the post.
    """

    name = "slack_channel"

    def __init__(self, config: SlackConfig, *, timeout: float = _http.DEFAULT_TIMEOUT) -> None:
        self.config = config
        self.timeout = timeout

    def _client(self) -> WebClient:
        return WebClient(token=self.config.bot_token, base_url=self.config.base_url, timeout=self.timeout,
                         retry_handlers=[])  # type: ignore[arg-type]

    def _find(self, client: WebClient, name: str) -> dict[str, Any] | None:
        cursor = None
        for _ in range(LIST_PAGES):
            page = client.conversations_list(types="public_channel", exclude_archived=False, limit=200,
                                             **({"cursor": cursor} if cursor else {}))
            found = next((c for c in page.get("channels") or [] if c.get("name") == name), None)
            if found is not None:
                return found
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def _channel(self, client: WebClient, base: str) -> dict[str, Any]:
        for attempt in range(NAME_ATTEMPTS):
            name = base if attempt == 0 else f"{base}-{attempt + 1}"
            try:
                return client.conversations_create(name=name, is_private=False)["channel"]
            except SlackApiError as exc:
                if _error_code(exc) != "name_taken":
                    raise
                existing = self._find(client, name)
                if existing is not None and not existing.get("is_archived"):
                    if not existing.get("is_member"):
                        client.conversations_join(channel=existing["id"])
                    return existing
        raise DeliveryError(f"{self.name}: #{base} and its suffixes up to -{NAME_ATTEMPTS} are taken",
                            retryable=False)

    def _open(self, message: Message) -> tuple[str, str]:
        client = self._client()
        channel = self._channel(client, message.address.lstrip("#"))
        users = [u for u in message.data.get("users") or [] if isinstance(u, str)]
        if users:
            try:
                client.conversations_invite(channel=channel["id"], users=",".join(users))
            except SlackApiError as exc:
                if _error_code(exc) not in INVITE_HARMLESS:
                    raise
        client.chat_postMessage(channel=channel["id"], text=escape(message.text or message.subject),
                                blocks=blocks(message))
        return channel["id"], channel.get("name") or message.address

    async def send(self, message: Message) -> SendResult:
        channel_id, name = await _call(self.name, self.timeout, self._open, message)
        return SendResult(provider_id=channel_id, detail=name)


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(getattr(exc.response, "data", None), dict) else {}
    return str(data.get("error") or "unknown_error")


async def _call(name: str, timeout: float, call: Callable[[Message], T], message: Message) -> T:
    """Run a blocking Web API call in a thread, within the timeout, with Slack's failures as DeliveryErrors."""
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.to_thread(call, message)
    except DeliveryError:
        raise
    except SlackApiError as exc:
        raise _api_error(name, exc) from None
    except SlackRequestError as exc:
        raise DeliveryError(f"{name}: {exc}", retryable=False) from None
    except TimeoutError:
        raise DeliveryError(f"{name}: no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        # urllib's URLError (refused, DNS, TLS) is an OSError; a dropped connection an HTTPException.
        raise DeliveryError(f"{name}: {type(exc).__name__}: {exc}",
                            retryable=not _http.cert_rejected(exc)) from None
    except Exception as exc:
        raise _http.unexpected(name, exc) from exc
