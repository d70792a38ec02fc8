"""Product pictures drawn on the fly, so the demo catalogue needs no image files."""

from __future__ import annotations

import hashlib
from html import escape

PALETTE = ["#2f6f9f", "#8a4f7d", "#3f7f4f", "#b5651d", "#5b5ea6", "#9b2335", "#00798c", "#6b5b95"]


def product_svg(sku: str, name: str, category: str) -> str:
    """A 240x180 card: category colour, initials of the name, the name below."""
    colour = PALETTE[int(hashlib.sha256(category.encode()).hexdigest(), 16) % len(PALETTE)]
    words = [w for w in name.split() if w[:1].isalnum()]
    initials = "".join(w[0].upper() for w in words[:2]) or "?"
    label = escape(name if len(name) <= 30 else name[:29] + "…")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="180" viewBox="0 0 240 180" '
        f'role="img" aria-label="{escape(name)}">'
        f'<rect width="240" height="180" fill="{colour}"/>'
        f'<text x="120" y="95" font-family="sans-serif" font-size="56" fill="#fff" text-anchor="middle">{escape(initials)}</text>'
        f'<text x="120" y="160" font-family="sans-serif" font-size="13" fill="#fff" text-anchor="middle">{label}</text>'
        "</svg>"
    )
