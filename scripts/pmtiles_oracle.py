#!/usr/bin/env python3
"""An independent PMTiles oracle for the tests: the reference Python implementation
(`pmtiles` from PyPI, pinned in scripts/requirements.txt, installed into target/py-venv by
scripts/install-tools.sh) reads and writes the archives the Rust code writes and reads.

    pmtiles_oracle.py read IN.pmtiles OUT.mbtiles   every tile (runs expanded) and the metadata
                                                    into a plain MBTiles file; prints the
                                                    header and the directory entries as JSON
    pmtiles_oracle.py write IN.mbtiles OUT.pmtiles  the tiles and metadata of an MBTiles file
                                                    written by the reference writer
"""

import json
import sqlite3
import sys

from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import (
    Compression,
    TileType,
    deserialize_directory,
    tileid_to_zxy,
    zxy_to_tileid,
)
from pmtiles.writer import Writer


def entries(get_bytes, header, offset, length):
    """Every tile entry, leaves followed: (tile id, run length, [[z, x, y], ...])."""
    for e in deserialize_directory(get_bytes(offset, length)):
        if e.run_length == 0:
            yield from entries(
                get_bytes, header, header["leaf_directory_offset"] + e.offset, e.length
            )
        else:
            tiles = [list(tileid_to_zxy(e.tile_id + i)) for i in range(e.run_length)]
            yield [e.tile_id, e.run_length, tiles]


def read(src, dst):
    with open(src, "rb") as f:
        get_bytes = MmapSource(f)
        reader = Reader(get_bytes)
        header = reader.header()
        metadata = reader.metadata()
        db = sqlite3.connect(dst)
        db.executescript(
            "CREATE TABLE metadata (name TEXT, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
            " tile_data BLOB);"
        )
        for k, v in metadata.items():
            db.execute(
                "INSERT INTO metadata VALUES (?, ?)",
                (k, v if isinstance(v, str) else json.dumps(v)),
            )
        for (z, x, y), data in all_tiles(get_bytes):
            db.execute(
                "INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data)
            )
        db.commit()
        db.close()
        out = {k: (v.name if hasattr(v, "name") else v) for k, v in header.items()}
        out["entries"] = list(
            entries(get_bytes, header, header["root_offset"], header["root_length"])
        )
        print(json.dumps(out))


TYPES = {"png": TileType.PNG, "jpg": TileType.JPEG, "jpeg": TileType.JPEG, "webp": TileType.WEBP}


def write(src, dst):
    db = sqlite3.connect(src)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    rows = db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
    tiles = sorted(
        (zxy_to_tileid(z, x, (1 << z) - 1 - row), data) for z, x, row, data in rows
    )
    with open(dst, "wb") as f:
        writer = Writer(f)
        for tile_id, data in tiles:
            writer.write_tile(tile_id, data)
        w, s, e, n = (float(v) for v in meta.get("bounds", "-180,-85,180,85").split(","))
        writer.finalize(
            {
                "tile_type": TYPES.get(meta.get("format", ""), TileType.UNKNOWN),
                "tile_compression": Compression.NONE,
                "min_lon_e7": round(w * 1e7),
                "min_lat_e7": round(s * 1e7),
                "max_lon_e7": round(e * 1e7),
                "max_lat_e7": round(n * 1e7),
            },
            meta,
        )


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("read", "write"):
        sys.exit(__doc__)
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2], sys.argv[3])
