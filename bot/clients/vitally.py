"""Vitally REST API client (https://docs.vitally.io, "REST API: Accounts").

Wire format, as Vitally documents it: `GET {base}/resources/<kind>?limit=N&from=<cursor>` with
HTTP Basic auth (the API key as user name, empty password) answers
`{"results": [...], "next": "<cursor>" | null}`; some responses also carry `atEnd`. Paging stops
when `next` is null/empty, `atEnd` is true, or a page comes back empty. Every call is a read, so
under `bot.retry`'s rule 429 waits `Retry-After` and 5xx, timeouts and network errors back off
exponentially with jitter (capped), up to `max_retries` retries of each kind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from bot import retry
from bot.retry import Failure, RetryPolicy, parse_retry_after

RESOURCES = ("accounts", "users", "notes", "admins")


class VitallyError(Exception):
    """Vitally could not be read (after retries), or answered something that is not its format."""


class VitallyClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        page_size: int = 100,
        max_retries: int = 5,
        timeout: float = 30.0,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.page_size = page_size
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.policy = RetryPolicy(max_attempts=max_retries + 1, max_rate_limit_waits=max_retries,
                                  backoff_base_s=backoff, sleep=sleep)
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(api_key, ""),
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "gtmbot"},
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> VitallyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One GET under the retry policy; returns the decoded JSON body."""

        tries = 0

        def attempt() -> httpx.Response:
            nonlocal tries
            tries += 1
            response = self.http.get(path, params=params)
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(response)
            return response

        try:
            response = retry.call(attempt, classify=_classify, safe=True, policy=self.policy, what=f"Vitally GET {path}")
        except _Retryable as exc:
            raise VitallyError(f"GET {path}: HTTP {exc.response.status_code} after {tries} attempts") from None
        except httpx.TransportError as exc:
            raise VitallyError(f"GET {path}: {exc.__class__.__name__} after {tries} attempts") from exc
        if response.status_code == 401 or response.status_code == 403:
            raise VitallyError(f"GET {path}: HTTP {response.status_code}; check VITALLY_API_KEY")
        if response.status_code >= 400:
            raise VitallyError(f"GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise VitallyError(f"GET {path}: the answer is not JSON") from exc

    def paginate(self, resource: str) -> Iterator[dict[str, Any]]:
        """Every record of `/resources/<resource>`, following the cursor to the end."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"limit": self.page_size}
            if cursor:
                params["from"] = cursor
            body = self.get(f"/resources/{resource}", params)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise VitallyError(f"/resources/{resource}: expected {{\"results\": [...], \"next\": ...}}")
            yield from (item for item in body["results"] if isinstance(item, dict))
            cursor = body.get("next")
            if not body["results"] or not cursor or body.get("atEnd") is True or cursor in seen:
                return
            seen.add(cursor)


class _Retryable(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, _Retryable):
        if exc.response.status_code == 429:
            return Failure("rate_limited", parse_retry_after(exc.response.headers.get("Retry-After")))
        return Failure("transient")
    if isinstance(exc, httpx.TransportError):
        return Failure("transient")
    return None
