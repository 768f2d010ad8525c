"""One page of a list: the pagination of every staff list, shown by the pager() macro."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # rows on all pages
    number: int  # 1 for the first page
    pages: int  # at least 1, also for an empty list

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_count(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def paginate(
    session: Session, query: Select[Any], number: int, per_page: int, *, scalars: bool = True
) -> Page:
    """Page `number` of `query` (already ordered). A number out of range shows the nearest
    page: a stale or hand-typed link still lands somewhere useful."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = page_count(total, per_page)
    number = min(max(number, 1), pages)
    limited = query.offset((number - 1) * per_page).limit(per_page)
    items = list(session.scalars(limited)) if scalars else list(session.execute(limited).all())
    return Page(items=items, total=total, number=number, pages=pages)
