"""What travels between the export modules, the CLI and the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import Settings


class ExportError(ValueError):
    """What was asked cannot be exported; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class Issuer:
    """Who issues a document and when: the settings' unit, brief title and recipients."""

    unit: str
    brief_title: str
    recipients: tuple[str, ...]  # the 版记's lines (报：…, 送：…)
    today: date

    @classmethod
    def from_settings(cls, settings: Settings, today: date) -> Issuer:
        lines = settings.brief_recipients.replace("；", "\n").replace(";", "\n").split("\n")
        return cls(
            unit=settings.issuing_unit,
            brief_title=settings.brief_title,
            recipients=tuple(line.strip() for line in lines if line.strip()),
            today=today,
        )


@dataclass(frozen=True)
class ExportFile:
    name: str  # a file name for the user (Chinese, no path)
    content: bytes
    summary: str  # one line saying what is in it (the bot's caption, the CLI's report)
