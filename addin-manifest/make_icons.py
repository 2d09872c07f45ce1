"""Draw the add-in's icons as PNG files (standard library only).

Run ``python addin-manifest/make_icons.py`` after changing the drawing; the PNGs are committed
under ``frontend/assets/`` (the backend serves them at ``/assets/<name>``). The glyph is an
"undo" arrow — a message coming back — in white on Outlook's blue, anti-aliased by taking
several samples a pixel.

Sizes: the ribbon button takes 16, 20, 24, 32, 40, 48, 64 and 80 px (16, 32 and 80 are
required); the add-in only manifest's ``IconUrl`` is 64 px and ``HighResolutionIconUrl``
128 px for Outlook; the unified manifest's ``icons`` are ``color.png`` (192 px, full colour)
and ``outline.png`` (32 px, white on transparent).
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "frontend" / "assets"
BUTTON_SIZES = (16, 20, 24, 32, 40, 48, 64, 80)
EXTRA_SIZES = (128,)
BLUE = (15, 108, 189)  # Fluent "brand" blue used by Outlook
WHITE = (255, 255, 255)
SAMPLES = 4  # per axis, so 16 samples a pixel

Point = tuple[float, float]


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _arc_distance(p: Point, centre: Point, radius: float) -> float:
    """Distance to the right half of a circle (the turn of the arrow)."""
    x, y = p[0] - centre[0], p[1] - centre[1]
    if x >= 0:
        return abs(math.hypot(x, y) - radius)
    return min(math.hypot(x, y + radius), math.hypot(x, y - radius))


def _in_triangle(p: Point, a: Point, b: Point, c: Point) -> bool:
    def side(u: Point, v: Point) -> float:
        return (p[0] - v[0]) * (u[1] - v[1]) - (u[0] - v[0]) * (p[1] - v[1])

    s1, s2, s3 = side(a, b), side(b, c), side(c, a)
    negative = s1 < 0 or s2 < 0 or s3 < 0
    positive = s1 > 0 or s2 > 0 or s3 > 0
    return not (negative and positive)


def _in_glyph(p: Point, stroke: float) -> bool:
    """The arrow, in a unit square: a shaft to the left that turns back along the bottom."""
    half = stroke / 2
    centre, radius = (0.62, 0.52), 0.17
    top, bottom = centre[1] - radius, centre[1] + radius
    if _segment_distance(p, (0.36, top), (centre[0], top)) <= half:
        return True
    if _arc_distance(p, centre, radius) <= half:
        return True
    if _segment_distance(p, (0.30, bottom), (centre[0], bottom)) <= half:
        return True
    head = 0.15
    return _in_triangle(p, (0.18, top), (0.38, top - head), (0.38, top + head))


def _in_rounded_square(p: Point, corner: float) -> bool:
    x = min(p[0], 1 - p[0])
    y = min(p[1], 1 - p[1])
    if x < 0 or y < 0:
        return False
    if x >= corner or y >= corner:
        return True
    return math.hypot(corner - x, corner - y) <= corner


def draw(size: int, *, outline: bool = False) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows of one icon. ``outline``: white glyph on transparent, no tile."""
    # Small icons get a relatively thicker stroke so that the arrow stays legible.
    stroke = 0.13 if size <= 24 else 0.10
    pixels = []
    for row in range(size):
        line = []
        for col in range(size):
            tile = glyph = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    p = ((col + (sx + 0.5) / SAMPLES) / size, (row + (sy + 0.5) / SAMPLES) / size)
                    tile += _in_rounded_square(p, 0.2)
                    glyph += _in_glyph(p, stroke)
            n = SAMPLES * SAMPLES
            if outline:
                line.append((*WHITE, round(255 * glyph / n)))
                continue
            alpha = tile / n
            mix = glyph / max(tile, 1)
            rgb = tuple(round(b + (w - b) * mix) for b, w in zip(BLUE, WHITE, strict=True))
            line.append((*rgb, round(255 * alpha)))
        pixels.append(line)
    return pixels


def encode_png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """A minimal RGBA PNG: signature, IHDR, one zlib IDAT (filter 0 on every row), IEND."""
    height, width = len(pixels), len(pixels[0])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(folder: Path = ASSETS) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for size in BUTTON_SIZES + EXTRA_SIZES:
        (folder / f"icon-{size}.png").write_bytes(encode_png(draw(size)))
    (folder / "color.png").write_bytes(encode_png(draw(192)))
    (folder / "outline.png").write_bytes(encode_png(draw(32, outline=True)))
    print(f"icons written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS))
