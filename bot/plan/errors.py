"""The one error type of plan import: a code the texts module turns into Vietnamese."""

from __future__ import annotations


class PlanError(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        from bot import texts

        return texts.plan_error(self.code, self.params)
