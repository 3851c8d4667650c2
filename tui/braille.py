"""Braille cells as a pixel grid: each terminal cell shows 2 x 4 dots (U+2800..U+28FF).

A terminal cell is about twice as tall as it is wide, so braille dots are roughly square: a map
of R x C cells is a 4R x 2C dot grid, and an equirectangular world fits it undistorted when C is
about 4R. Everything here works on whole numpy arrays.
"""

from __future__ import annotations

import numpy as np

BLANK = 0x2800
#: Bit of each dot within its cell, indexed [row 0..3][column 0..1] (Unicode's dot numbering).
_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int32)


def pack(grid: np.ndarray) -> np.ndarray:
    """A (4R, 2C) boolean dot grid to (R, C) braille code points."""
    rows, cols = grid.shape[0] // 4, grid.shape[1] // 2
    cells = grid[: rows * 4, : cols * 2].reshape(rows, 4, cols, 2)
    return BLANK + (cells * _BITS[None, :, None, :]).sum(axis=(1, 3), dtype=np.int32)


def plot(lat_deg: np.ndarray, lon_deg: np.ndarray, rows: int, cols: int, size: int = 1) -> np.ndarray:
    """Braille code points (rows, cols) with a ``size`` x ``size`` block of dots at each finite
    (lat, lon), equirectangular (a block of 2 keeps a lone satellite visible)."""
    grid = np.zeros((rows * 4, cols * 2), bool)
    iy, ix = dot_index(lat_deg, lon_deg, rows * 4, cols * 2)
    for dy in range(size):
        for dx in range(size):
            grid[np.minimum(iy + dy, rows * 4 - 1), (ix + dx) % (cols * 2)] = True
    return pack(grid)


def dot_index(lat_deg: np.ndarray, lon_deg: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each finite (lat, lon) on a ``height`` x ``width`` dot grid."""
    ok = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    lat, lon = lat_deg[ok], (lon_deg[ok] + 180.0) % 360.0
    iy = np.clip(((90.0 - lat) / 180.0 * height).astype(int), 0, height - 1)
    ix = np.clip((lon / 360.0 * width).astype(int), 0, width - 1)
    return iy, ix


def text(codes: np.ndarray) -> str:
    """One row of code points as a string, without a Python loop over characters."""
    return np.ascontiguousarray(codes, dtype="<u4").tobytes().decode("utf-32-le")
