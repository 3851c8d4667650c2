"""The world's land at the resolution a terminal can show, from the global-land-mask package.

global-land-mask ships a 30-arc-second ocean mask (21,600 x 43,200 cells, rows from 90 N to 90 S,
columns from 180 W eastwards) as a 2.4 MB compressed ``.npz``. Importing the package inflates all
of it (930 MB, several seconds), so it is never imported here: :func:`build` streams the array out
of the ``.npz`` once, 30 rows at a time, and averages it into 0.25-degree cells of land fraction.
That 1 MB raster is kept in the user cache directory, so every later start reads it in
milliseconds; :func:`dots` resamples it to any map size by box averaging. No download, ever.
"""

from __future__ import annotations

import zipfile
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import numpy as np

#: Raster cell size: 0.25 degrees is finer than a 300-column braille map (0.6 degrees per dot).
CELL_DEG = 0.25
_SHAPE = (21600, 43200)
_BLOCK = 30  # 30 arc-seconds x 30 = 0.25 degrees


def _source() -> Path:
    """The package's ``.npz``, found without importing the package (which would inflate it)."""
    spec = find_spec("global_land_mask")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the global-land-mask package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "globe_combined_mask_compressed.npz"


def cache_path() -> Path:
    """Where the raster is kept, named by the package version it was built from."""
    from platformdirs import user_cache_path

    name = f"land-{version('global-land-mask')}-{CELL_DEG}deg.npy"
    return user_cache_path("china-space-tracker") / name


def build(source: Path) -> np.ndarray:
    """Land fraction (0..255) of each 0.25-degree cell, rows north to south, columns from 180 W."""
    with zipfile.ZipFile(source) as archive, archive.open("mask.npy") as stream:
        major, _ = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(stream)
        if shape != _SHAPE or fortran_order or dtype != np.dtype(bool):
            raise ValueError(f"{source}: unexpected ocean mask layout {shape} {dtype}")
        rows, cols = shape[0] // _BLOCK, shape[1] // _BLOCK
        land = np.empty((rows, cols), np.uint8)
        for row in range(rows):
            ocean = np.frombuffer(stream.read(_BLOCK * shape[1]), np.uint8).reshape(_BLOCK, cols, _BLOCK)
            land[row] = np.rint(255.0 * (1.0 - ocean.mean(axis=(0, 2))))
    return land


def raster() -> np.ndarray:
    """The cached raster, built (a few seconds, once per package version) when missing.

    A cache directory that cannot be written only costs the rebuild on the next start.
    """
    path = cache_path()
    try:
        return np.load(path)
    except (OSError, ValueError):
        pass
    land = build(_source())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npy")
        np.save(partial, land)
        partial.replace(path)
    except OSError:
        pass
    return land


def dots(land: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """A (rows, cols) boolean grid, true where most of the area under a dot is land.

    Each dot averages the raster cells it covers (an integral image makes that one subtraction
    per dot); a dot smaller than a cell takes the cell under it.
    """
    integral = np.zeros((land.shape[0] + 1, land.shape[1] + 1))
    integral[1:, 1:] = land.cumsum(axis=0).cumsum(axis=1)
    r0, r1 = _edges(rows, land.shape[0])
    c0, c1 = _edges(cols, land.shape[1])
    total = (
        integral[r1[:, None], c1[None, :]]
        - integral[r0[:, None], c1[None, :]]
        - integral[r1[:, None], c0[None, :]]
        + integral[r0[:, None], c0[None, :]]
    )
    area = (r1 - r0)[:, None] * (c1 - c0)[None, :]
    return total / area >= 127.5


def _edges(count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end raster index of each of ``count`` equal bins over ``size`` cells (never empty)."""
    edges = np.linspace(0, size, count + 1)
    start = np.minimum(np.floor(edges[:-1]).astype(int), size - 1)
    return start, np.maximum(np.floor(edges[1:]).astype(int), start + 1)
