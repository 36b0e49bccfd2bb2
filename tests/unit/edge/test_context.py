from __future__ import annotations

from datetime import UTC, datetime

from tailor.edge import request_context

NOON_UTC = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_cloudfront_viewer_headers_become_context_attributes():
    headers = {
        "cloudfront-viewer-country": "de",
        "cloudfront-viewer-country-region": "BE",
        "cloudfront-is-mobile-viewer": "true",
        "cloudfront-is-ios-viewer": "true",
        "cloudfront-viewer-time-zone": "Europe/Berlin",
        "accept-language": "fr;q=0.5, de-DE, en;q=0.8",
    }

    context = request_context(headers, now=NOON_UTC)

    assert context == {
        "country": "DE",
        "region": "BE",
        "device": "mobile",
        "platform": "ios",
        "language": "de",
        "hour": 13,
        "weekday": 3,
    }


def test_malformed_headers_are_left_out_rather_than_guessed():
    headers = {
        "cloudfront-viewer-country": "Germany",
        "cloudfront-viewer-time-zone": "../../etc/passwd",
        "accept-language": "*;q=abc, 12",
    }

    context = request_context(headers, now=NOON_UTC)

    assert context == {"hour": 12, "weekday": 3}
