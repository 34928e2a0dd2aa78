"""Visit every page a signed-in role can reach from its menu (one page per route shape), in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

# Not pages: downloads, actions and the language switch.
SKIP = re.compile(
    r"\.(csv|xlsx|pdf|ics|json|zip|png|svg)$|^/(lang|sign-out|xapi|api|docs|static|fonts)(/|$)|/launch$"
    r"|^/discussions/attachments/"  # a post's attached file, not a page
)


def shape(path: str) -> str:
    """A route's shape: numbers and codes replaced, so /courses/3 and /courses/9 are one page."""
    return re.sub(r"/(\d+|[A-Z0-9]{6,}[-A-Z0-9]*)(?=/|$|\.)", "/{id}", path.split("?")[0])


# Pages reached by a form or typed rather than linked from a menu page.
EXTRA = ["/verify", "/tokens", "/forgot-password", "/offline", "/honours"]


def crawl(page: Any, base: str, *, limit: int = 60, extra: tuple[str, ...] = ()) -> Iterator[str]:
    """Yield each page's path after loading it: the menu's pages, then the pages they link to (breadth first)."""
    menu = page.eval_on_selector_all("#site-nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    start = ["/", *menu, *extra, *EXTRA]
    queue: list[str] = [p for p in start if not SKIP.search(p)]
    seen: set[str] = set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        response = page.goto(base + path)
        page.wait_for_load_state("load")
        assert response is not None and response.status < 500, f"{path} answered {response and response.status}"
        if response.status >= 400 or urlsplit(page.url).path != urlsplit(base + path).path:
            continue  # a redirect (e.g. to a role's own dashboard) is visited under its own address
        yield path
        links = page.eval_on_selector_all("main a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
        for href in links:
            href = href.split("#")[0]
            if href and not SKIP.search(href.split("?")[0]) and shape(href) not in seen:
                queue.append(href)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    value: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return value


def check_all(page: Any, base: str, check: Callable[[str], list[str]]) -> list[str]:
    """Crawl and run `check` on each page; the problems found, each naming its page."""
    problems: list[str] = []
    for path in crawl(page, base):
        problems.extend(f"{path}: {p}" for p in check(path))
    return problems
