"""Plain data passed between the ingest stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


class RejectedFile(Exception):
    """A file that cannot be ingested; ``reason`` is shown to the user (Chinese)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self) -> tuple[type[RejectedFile], tuple[str, str]]:
        # Raised in worker processes: must survive pickling back to the parent.
        return (RejectedFile, (self.path, self.reason))


@dataclass(frozen=True)
class RawDocument:
    """A decoded file: its text with line structure kept, and what its metadata says."""

    path: Path
    text: str
    format: str  # "txt", "md", "docx", "pdf", "html"
    encoding: str | None = None  # for text files: the detected encoding
    title: str | None = None  # from document metadata, if any
    date: date | None = None  # from document metadata, if any
    url: str | None = None  # where a web page says it lives (canonical link), if any
    source: str | None = None  # the site or publisher its metadata names (a page's og:site_name)
    sha256: str = ""  # of the file's bytes, set by read_document
    size: int = 0  # bytes, set by read_document


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "body"  # "body" or "subheading"


@dataclass(frozen=True)
class Caption:
    text: str  # the photo description, e.g. "图为服务队党员为…代购蔬菜。"
    credit: str | None = None  # the photographer(s), e.g. "赵婧"


@dataclass
class ArticleDraft:
    """One article found on a page, normalised but not yet stored."""

    title: str
    paragraphs: list[Paragraph]
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    column: str | None = None
    captions: list[Caption] = field(default_factory=list)
    original: str = ""  # the raw source lines this article came from, as written
    kicker: str | None = None  # 引题: the line printed above the title
    source: str | None = None  # 来源: the paper, site or account it comes from
    editor: str | None = None  # 编辑/责任编辑
    published: str | None = None  # the date printed on the page: 2025-06-18 or 2025-06-18T10:32

    @property
    def body(self) -> str:
        """The normalised body: paragraphs (subheadings included) joined by newlines."""
        return "\n".join(p.text for p in self.paragraphs)
