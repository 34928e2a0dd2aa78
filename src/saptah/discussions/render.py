"""Posts' plain formatting: Markdown (CommonMark, no raw HTML, no images) made safe HTML, and @mentions.

markdown-it-py with `html` off never passes HTML written in a post through, and its link check refuses
`javascript:`, `vbscript:`, `file:` and `data:` addresses; nh3 (the Rust ammonia sanitiser) then keeps only the
tags and attributes listed here and marks every link `nofollow noopener noreferrer ugc`, so a change in either
library cannot let a script through on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from html import escape

import nh3
from markdown_it import MarkdownIt

# An @ mention names a colleague by e-mail address (the only unique name people know); it is shown as their name.
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr", "span"}
ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    return md


def mentioned_emails(body: str) -> list[str]:
    """The e-mail addresses @mentioned in a post's text, lower-cased, in order, each once."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).lower().rstrip("."), None)
    return list(seen)


def to_html(body: str, names: Mapping[str, str] | None = None) -> str:
    """A post's text as safe HTML; `names` maps mentioned e-mails (lower-cased) to the names shown for them."""
    html = _parser().render(body)
    # Headings become small (h3/h4): a post is a part of a page, never its title.
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    html = re.sub(r"<(/?)h[56]>", r"<\1h4>", html)
    if names:

        def named(match: re.Match[str]) -> str:
            name = names.get(match.group(1).lower().rstrip("."))
            return f'<span class="mention">@{escape(name)}</span>' if name else match.group(0)

        html = MENTION.sub(named, html)
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="nofollow noopener noreferrer ugc"
    )


def plain(body: str, limit: int = 200) -> str:
    """A short plain-text excerpt (for digests and search results)."""
    text = re.sub(r"\s+", " ", re.sub(r"[*_`#>\[\]]", "", body)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
