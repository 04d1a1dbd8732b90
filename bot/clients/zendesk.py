"""A small Zendesk Ticketing API client of our own (no GPL library), over httpx.

Only what the :ticket: flow needs (incidents-and-tickets.md A.2.4-A.2.9): create a ticket with an
`Idempotency-Key`, add a comment, find tickets by `external_id`, read a ticket, look up organizations
by `external_id`, create-or-update an end user. 429s wait `Retry-After`; 5xx, timeouts and connection
errors retry with backoff under the same idempotency key, then raise `ZendeskUnavailable` so the
caller can queue the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_RETRY_DELAYS_S: tuple[float, ...] = (1.0, 4.0, 15.0)  # A.2.9
MAX_RATE_LIMIT_WAITS = 5  # 429s are not failures (A.2.9), but never loop forever
MAX_RETRY_AFTER_S = 120.0


class ZendeskError(Exception):
    """A Zendesk answer the caller must handle; `status` is the HTTP status (0 = no answer)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"Zendesk {status}: {message}")
        self.status = status
        self.body = body


class ZendeskUnavailable(ZendeskError):
    """5xx, timeouts or connection errors outlasted the retries: queue and try later."""


class ZendeskAuthError(ZendeskError):
    """401/403: credentials are wrong; retrying will not help until an operator fixes them."""


class ZendeskInvalid(ZendeskError):
    """422/400: Zendesk rejected the payload (e.g. an invalid requester)."""


@dataclass(frozen=True)
class CreatedTicket:
    ticket: dict[str, Any]
    idempotency_hit: bool  # Zendesk replayed an earlier answer for the same key

    @property
    def id(self) -> int:
        return int(self.ticket["id"])


class ZendeskClient:
    """Base URL from `ZENDESK_URL` (e.g. https://acme.zendesk.com); token auth `{email}/token:{token}`."""

    def __init__(
        self,
        base_url: str,
        email: str = "",
        api_token: str = "",
        *,
        timeout_s: float = 10.0,
        retry_delays_s: Sequence[float] = DEFAULT_RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        auth = httpx.BasicAuth(f"{email}/token", api_token) if email else None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            timeout=timeout_s,
            headers={"Accept": "application/json", "User-Agent": "gtmbot-zendesk/1"},
            transport=transport,
        )
        self._retry_delays = tuple(retry_delays_s)
        self._sleep = sleep

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def agent_url(self, ticket_id: int) -> str:
        """Link for internal people only; customers cannot open it (A.2.6)."""
        return f"{self.base_url}/agent/tickets/{ticket_id}"

    def close(self) -> None:
        self._http.close()

    # -- endpoints ---------------------------------------------------------------------------

    def create_ticket(self, ticket: dict[str, Any], idempotency_key: str) -> CreatedTicket:
        response = self._request(
            "POST",
            "/api/v2/tickets.json",
            json={"ticket": ticket},
            headers={"Idempotency-Key": idempotency_key},
        )
        lookup = response.headers.get("x-zendesk-idempotency-lookup") or response.headers.get(
            "x-idempotency-lookup", ""
        )
        return CreatedTicket(ticket=response.json()["ticket"], idempotency_hit=lookup.lower() == "hit")

    def add_comment(
        self, ticket_id: int, body: str, *, public: bool, author_id: int | None = None
    ) -> dict[str, Any]:
        """Update Ticket with a comment; returns the answer (`ticket`, `audit`)."""
        comment: dict[str, Any] = {"body": body, "public": public}
        if author_id is not None:
            comment["author_id"] = author_id
        response = self._request(
            "PUT", f"/api/v2/tickets/{ticket_id}.json", json={"ticket": {"comment": comment}}
        )
        return response.json()

    def get_ticket(self, ticket_id: int) -> dict[str, Any] | None:
        response = self._request("GET", f"/api/v2/tickets/{ticket_id}.json", allow_404=True)
        return None if response.status_code == 404 else response.json()["ticket"]

    def find_tickets_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        response = self._request("GET", "/api/v2/tickets.json", params={"external_id": external_id})
        return list(response.json().get("tickets", []))

    def find_organizations_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        response = self._request(
            "GET", "/api/v2/organizations/search.json", params={"external_id": external_id}
        )
        return list(response.json().get("organizations", []))

    def create_or_update_user(self, user: dict[str, Any]) -> dict[str, Any]:
        response = self._request("POST", "/api/v2/users/create_or_update.json", json={"user": user})
        return response.json()["user"]

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        allow_404: bool = False,
    ) -> httpx.Response:
        failures = 0
        rate_waits = 0
        while True:
            try:
                response = self._http.request(method, path, json=json, params=params, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if failures >= len(self._retry_delays):
                    raise ZendeskUnavailable(0, f"{method} {path}: {exc.__class__.__name__}") from exc
                self._sleep(self._retry_delays[failures])
                failures += 1
                continue
            status = response.status_code
            if status == 429:
                if rate_waits >= MAX_RATE_LIMIT_WAITS:
                    raise ZendeskUnavailable(429, f"{method} {path}: still rate limited")
                self._sleep(_retry_after(response))
                rate_waits += 1
                continue
            if status >= 500:
                if failures >= len(self._retry_delays):
                    raise ZendeskUnavailable(status, f"{method} {path}", _body(response))
                self._sleep(self._retry_delays[failures])
                failures += 1
                continue
            if status in (401, 403):
                raise ZendeskAuthError(status, f"{method} {path}: check ZENDESK_EMAIL / ZENDESK_API_TOKEN")
            if status == 404 and allow_404:
                return response
            if status in (400, 409, 422):
                raise ZendeskInvalid(status, f"{method} {path}", _body(response))
            if status >= 400:
                raise ZendeskError(status, f"{method} {path}", _body(response))
            return response


def _retry_after(response: httpx.Response) -> float:
    raw = response.headers.get("Retry-After", "")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 1.0
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
