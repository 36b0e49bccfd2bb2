"""The event log: stored events to Firehose, which lands them in S3 by the hour."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tailor.storage._errors import wrap
from tailor.storage.exceptions import StorageUnavailable

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 4 * 1024 * 1024
MAX_ATTEMPTS = 4


class FirehoseClient(Protocol):
    def put_record_batch(self, **kwargs: Any) -> dict[str, Any]: ...


class EventLog:
    """Appends stored events, one JSON line each, to a Firehose delivery stream."""

    def __init__(
        self,
        client: FirehoseClient,
        stream: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._stream = stream
        self._sleep = sleep

    def append(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Append `events`; raises `StorageUnavailable` unless every one is accepted.

        Records Firehose reports as failed are retried; a retry can duplicate a
        record, which every reader of the log removes by `messageId`.
        """
        records = [
            {"Data": json.dumps(event, separators=(",", ":")).encode() + b"\n"}
            for event in events
        ]
        for chunk in _chunks(records):
            self._put(chunk)

    def _put(self, records: list[dict[str, bytes]]) -> None:
        pending = records
        for attempt in range(MAX_ATTEMPTS):
            try:
                response = self._client.put_record_batch(
                    DeliveryStreamName=self._stream, Records=pending
                )
            except (ClientError, BotoCoreError) as exc:
                raise wrap(exc, "appending to the event log") from exc

            if not response.get("FailedPutCount"):
                return
            pending = [
                record
                for record, result in zip(
                    pending, response["RequestResponses"], strict=True
                )
                if result.get("ErrorCode")
            ]
            self._sleep(0.05 * 2**attempt)
        raise StorageUnavailable(
            f"{len(pending)} event(s) not accepted by the event log after "
            f"{MAX_ATTEMPTS} attempts"
        )


def _chunks(records: list[dict[str, bytes]]) -> list[list[dict[str, bytes]]]:
    chunks: list[list[dict[str, bytes]]] = [[]]
    size = 0
    for record in records:
        length = len(record["Data"])
        if (
            len(chunks[-1]) == MAX_RECORDS_PER_CALL
            or size + length > MAX_BYTES_PER_CALL
        ):
            chunks.append([])
            size = 0
        chunks[-1].append(record)
        size += length
    return [chunk for chunk in chunks if chunk]
