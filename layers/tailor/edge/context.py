"""The request context: what a request says about where and how it was made.

Behind CloudFront, country, region, device class, platform and time zone come from
CloudFront's viewer headers; language comes from Accept-Language. Values that are
missing or malformed are left out rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*$")
_ZONE = re.compile(r"^[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2}$")


def request_context(headers: Mapping[str, str], *, now: datetime) -> dict[str, Any]:
    """The `context` attributes for a request with these (lower-cased) headers."""
    context: dict[str, Any] = {}

    country = headers.get("cloudfront-viewer-country", "").strip().upper()
    if _COUNTRY.match(country):
        context["country"] = country
        region = headers.get("cloudfront-viewer-country-region", "").strip().upper()
        if 0 < len(region) <= 3 and region.isalnum():
            context["region"] = region

    device = _device(headers)
    if device is not None:
        context["device"] = device
    platform = _platform(headers)
    if platform is not None:
        context["platform"] = platform

    language = _language(headers.get("accept-language", ""))
    if language is not None:
        context["language"] = language

    local = _local_time(headers.get("cloudfront-viewer-time-zone", ""), now)
    context["hour"] = local.hour
    context["weekday"] = local.weekday()
    return context


def _is(headers: Mapping[str, str], name: str) -> bool:
    return headers.get(f"cloudfront-is-{name}-viewer", "").strip().lower() == "true"


def _device(headers: Mapping[str, str]) -> str | None:
    for device in ("tablet", "mobile", "smarttv", "desktop"):
        if _is(headers, device):
            return "tv" if device == "smarttv" else device
    return None


def _platform(headers: Mapping[str, str]) -> str | None:
    for platform in ("ios", "android"):
        if _is(headers, platform):
            return platform
    return None


def _language(header: str) -> str | None:
    best: tuple[float, str] | None = None
    for part in header.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        match = _LANGUAGE.match(tag.strip())
        if match is None:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if best is None or quality > best[0]:
            best = (quality, match.group(1).lower())
    return best[1] if best else None


def _local_time(zone: str, now: datetime) -> datetime:
    zone = zone.strip()
    if zone and len(zone) <= 64 and _ZONE.match(zone):
        try:
            return now.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return now.astimezone(UTC)
