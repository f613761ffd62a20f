"""A page of a list computed outside ``db.paginate`` (a merged timeline, a grouped query).

It answers what the ``pager`` macro asks of Flask-SQLAlchemy's ``Pagination``.
"""

from dataclasses import dataclass


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @staticmethod
    def count(total: int, per_page: int) -> int:
        """Pages needed for ``total`` items (at least one, so an empty list has page 1)."""
        return max(1, -(-total // per_page))

    @property
    def pages(self) -> int:
        return self.count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
