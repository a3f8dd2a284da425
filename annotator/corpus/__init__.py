"""Reading article sources into Documents.

``collect_documents`` turns the paths given to ``annotator import`` into one list of
documents with unique ids; ``load_corpus`` reads a corpus JSONL file or, for
convenience, any source the importer understands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from annotator.corpus.jsonl import read_corpus_jsonl, write_corpus_jsonl
from annotator.corpus.news import read_news
from annotator.corpus.plaintext import read_plaintext
from annotator.errors import AnnotatorError
from annotator.schema import Document

Reader = Callable[[Path, str], list[Document]]

READERS: dict[str, Reader] = {
    "news": read_news,
    "text": read_plaintext,
    "jsonl": read_corpus_jsonl,
}
SOURCE_FORMATS = ("auto", *READERS)
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}

__all__ = [
    "READERS",
    "SOURCE_FORMATS",
    "collect_documents",
    "expand_sources",
    "load_corpus",
    "read_corpus_jsonl",
    "write_corpus_jsonl",
]


def detect_format(path: Path) -> str:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return "jsonl"
    return "news"


def expand_sources(paths: Iterable[Path]) -> list[Path]:
    """Files to read, in a stable order: files as given, folders' files sorted by path."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                child
                for child in path.rglob("*")
                if not child.name.startswith(".")
                and child.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES
                and _readable_file(child)
            )
            if not found:
                raise AnnotatorError("folder holds no .txt or .jsonl files", path)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise AnnotatorError("no such file or folder", path)
    return files


def _readable_file(path: Path) -> bool:
    """Whether an article file found in a folder is a file; a link that leads nowhere
    (a loop, or to nothing) is an error naming it, never a file skipped in silence."""
    if path.is_file():
        return True
    if path.is_symlink():
        from annotator.fileio import resolved

        resolved(path)  # a loop: its own error
        raise AnnotatorError("a symbolic link to nothing: remove it or point it at the article", path)
    return False


def iter_documents(files: list[Path], source_format: str = "auto") -> Iterator[tuple[Path, list[Document]]]:
    if source_format != "auto" and source_format not in READERS:
        raise AnnotatorError(f"unknown format {source_format!r}; choose from {', '.join(SOURCE_FORMATS)}")
    for file in files:
        chosen = detect_format(file) if source_format == "auto" else source_format
        yield file, READERS[chosen](file, file.as_posix())


def collect_documents(
    paths: Iterable[Path],
    source_format: str = "auto",
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[Document]:
    """All documents from ``paths``; ids must be unique, and there must be at least one."""
    files = expand_sources(paths)
    documents: list[Document] = []
    origin: dict[str, Path] = {}
    batches = iter_documents(files, source_format)
    for file, batch in progress(batches) if progress else batches:
        for document in batch:
            if document.id in origin:
                raise AnnotatorError(
                    f"duplicate document id {document.id!r} (also in {origin[document.id]})",
                    file,
                )
            origin[document.id] = file
            documents.append(document)
    if not documents:
        shown = ", ".join(str(path) for path in paths)
        raise AnnotatorError("empty input: no documents found", shown)
    return documents


def load_corpus(path: Path) -> list[Document]:
    """The documents of a corpus file (JSONL) or of any importable source."""
    return collect_documents([path])
