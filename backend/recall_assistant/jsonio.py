"""JSON in and out, written and read with orjson.

The standard library's json module took about 4 ms to write the answer for a message with
500 recipients (~200 KB) and 3.8 ms to read it back; orjson takes 0.3 ms and 1.9 ms
(benchmarks/eligibility.py measures the whole request). The output is the same JSON as
Flask's default provider gives, except that non-ASCII text is written as UTF-8 rather than
``\\u`` escapes, which JSON allows and every client here reads.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Dates, times and dataclasses go through ``default`` (Flask's rules: HTTP dates,
# ``asdict``), so that switching libraries changes no value on the wire.
_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


def dumps(obj: Any, *, default: Any = None) -> bytes:
    """``obj`` as UTF-8 JSON; ``default`` turns what JSON has no type for into what it has."""
    return orjson.dumps(obj, default=default, option=_OPTIONS)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """The value of a JSON text; raises ``ValueError`` when it is not JSON."""
    return orjson.loads(data)


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with orjson doing the work when no special option is asked."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # indent, separators...: only the standard library knows them all
            return super().dumps(obj, **kwargs)
        option = _OPTIONS | (orjson.OPT_SORT_KEYS if self.sort_keys else 0)
        return orjson.dumps(obj, default=self.default, option=option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        option = _OPTIONS | orjson.OPT_APPEND_NEWLINE
        if self.compact is False or (self.compact is None and self._app.debug):
            option |= orjson.OPT_INDENT_2  # as Flask indents in debug mode
        if self.sort_keys:
            option |= orjson.OPT_SORT_KEYS
        return self._app.response_class(orjson.dumps(obj, default=self.default, option=option),
                                        mimetype=self.mimetype)
