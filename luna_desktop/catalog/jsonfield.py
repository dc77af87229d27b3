"""A JSON column that works on SQLite and PostgreSQL alike (stored as text)."""

from __future__ import annotations

import json
from typing import Any

from peewee import TextField


class JSONField(TextField):
    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        if value is None or value == "":
            return None
        return json.loads(value)
