//! Unit tests of the PMTiles format pieces, reader and writer (the CLI-level tests and the
//! reference-implementation oracle are in `cli/tests/pmtiles.rs`).

use super::writer::build_directories;
use super::*;
use crate::archive::{TileReader, TileWriter};
use tileredact::TileFormat;

/// Tile ids computed by the reference Python implementation (`pmtiles` 3.8.1,
/// `zxy_to_tileid`).
const REFERENCE_IDS: [((u8, u32, u32), u64); 11] = [
    ((0, 0, 0), 0),
    ((1, 0, 0), 1),
    ((1, 0, 1), 2),
    ((1, 1, 1), 3),
    ((1, 1, 0), 4),
    ((2, 0, 0), 5),
    ((3, 5, 2), 76),
    ((12, 2161, 1410), 19846236),
    ((20, 558000, 390000), 1299569427967),
    ((30, 1073741823, 0), 1537228672809129300),
    ((30, 123456789, 987654321), 776650969942899181),
];

#[test]
fn tile_ids_match_the_reference_and_invert() {
    for ((z, x, y), want) in REFERENCE_IDS {
        let t = TileId::new(z, x, y).unwrap();
        assert_eq!(tile_id(t), want, "{t}");
        assert_eq!(tile_of(want), Ok(t));
    }
    // Every tile of zooms 0-6 in order: ids are consecutive from 0 and invert.
    let mut seen = vec![false; tiles_above(7) as usize];
    for z in 0..=6u8 {
        for x in 0..1u32 << z {
            for y in 0..1u32 << z {
                let t = TileId::new(z, x, y).unwrap();
                let id = tile_id(t);
                assert!(id >= tiles_above(z.into()) && id < tiles_above(u32::from(z) + 1));
                assert!(!std::mem::replace(&mut seen[id as usize], true), "{t}");
                assert_eq!(tile_of(id), Ok(t));
            }
        }
    }
    assert_eq!(seen.iter().filter(|s| **s).count(), 5461);
    // Zoom 31 is beyond TileId.
    assert_eq!(tile_of(tiles_above(31)), Err(31));
}

#[test]
fn directories_round_trip_and_reject_damage() {
    let entries = vec![
        Entry {
            tile_id: 3,
            offset: 0,
            length: 10,
            run_length: 1,
        },
        Entry {
            tile_id: 4,
            offset: 10,
            length: 5,
            run_length: 7,
        },
        Entry {
            tile_id: 400,
            offset: 0,
            length: 10,
            run_length: 1,
        },
        Entry {
            tile_id: 1 << 40,
            offset: 1 << 33,
            length: 9,
            run_length: 0,
        },
    ];
    let bytes = encode_directory(&entries);
    assert_eq!(decode_directory(&bytes).unwrap(), entries);
    // Cut short anywhere: an error, never a panic.
    for n in 0..bytes.len() {
        assert!(decode_directory(&bytes[..n]).is_err(), "{n}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(decode_directory(&long).unwrap_err().contains("follow"));
    // A run overlapping the next entry.
    let mut bad = entries.clone();
    bad[1].run_length = 500;
    let err = decode_directory(&encode_directory(&bad)).unwrap_err();
    assert!(err.contains("overlaps"), "{err}");
    // Damage anywhere in the bytes: an error or a directory, never a panic (overflowing
    // offsets and runs included).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut decoded = 0;
    for case in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = bytes.clone();
        let at = (state % b.len() as u64) as usize;
        b[at] = if case % 2 == 0 {
            0xff
        } else {
            (state >> 32) as u8
        };
        decoded += usize::from(decode_directory(&b).is_ok());
    }
    assert!(decoded < 20_000, "every damaged directory decoded");
    let mut far = Vec::new();
    for v in [2, u64::MAX - 1, 5, 1, 1, 1, 1, u64::MAX - 3, 0] {
        write_varint(&mut far, v);
    }
    assert!(decode_directory(&far).is_err());
    // A huge entry count.
    let mut huge = Vec::new();
    write_varint(&mut huge, 1 << 40);
    assert!(decode_directory(&huge).unwrap_err().contains("claims"));
}

#[test]
fn header_round_trips() {
    let h = Header {
        root: Section {
            offset: 127,
            length: 50,
        },
        metadata: Section {
            offset: 177,
            length: 20,
        },
        leaves: Section {
            offset: 197,
            length: 0,
        },
        data: Section {
            offset: 197,
            length: 1000,
        },
        addressed_tiles: 9,
        tile_entries: 3,
        tile_contents: 2,
        clustered: true,
        internal: Compression::Gzip,
        tile_compression: Compression::None,
        tile_type: TileType::Jpeg,
        min_zoom: 2,
        max_zoom: 14,
        bounds_e7: [-1_800_000_000, -850_000_000, 1_800_000_000, 850_000_000],
        center_zoom: 5,
        center_e7: [123, -456],
    };
    let b = h.encode();
    assert_eq!(Header::decode(&b).unwrap(), h);
    let mut v2 = b;
    v2[..7].copy_from_slice(b"PM\x02\0\0\0\0");
    assert!(Header::decode(&v2).unwrap_err().contains("version 2"));
    let mut v4 = b;
    v4[7] = 4;
    assert!(Header::decode(&v4).unwrap_err().contains("version 4"));
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tileredact-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Tiles of zoom 9 in a 20x20 block, each its own bytes except a run of identical ones.
fn sample_tiles() -> Vec<(TileId, Vec<u8>)> {
    let mut tiles = Vec::new();
    for x in 100..120 {
        for y in 200..220 {
            let t = TileId::new(9, x, y).unwrap();
            let data = if x < 104 {
                b"same".to_vec()
            } else {
                format!("tile {t}").into_bytes()
            };
            tiles.push((t, data));
        }
    }
    tiles
}

#[test]
fn leaf_directories_are_written_and_read() {
    let dir = tmp("pmtiles-leaves");
    let path = dir.join("leaves.pmtiles");
    let tiles = sample_tiles();
    let mut w = Box::new(
        PmtilesWriter::create(&path, TileFormat::Png)
            .unwrap()
            .with_directory_limits(60, 16),
    );
    // Reverse order: the writer sorts.
    let refs: Vec<(TileId, &[u8])> = tiles.iter().rev().map(|(t, d)| (*t, &d[..])).collect();
    w.put_tiles(&refs).unwrap();
    w.put_metadata(&[("name".into(), "leafy".into())]).unwrap();
    w.finish().unwrap();

    let mut r = PmtilesReader::open(&path).unwrap();
    assert!(
        r.header.leaves.length > 0,
        "no leaf directories were written"
    );
    assert!(r.root.iter().all(|e| e.run_length == 0));
    assert_eq!(r.count().unwrap(), tiles.len() as u64);
    // The run of "same" tiles shares one content.
    assert_eq!(r.header.tile_contents, tiles.len() as u64 - 80 + 1);
    for (t, d) in &tiles {
        assert_eq!(r.get(*t).unwrap().as_ref(), Some(d), "{t}");
    }
    assert_eq!(r.get(TileId::new(9, 0, 0).unwrap()).unwrap(), None);
    assert_eq!(r.get(TileId::new(10, 200, 400).unwrap()).unwrap(), None);
    let mut streamed = Vec::new();
    r.for_each_batch(7, &mut |b| {
        assert!(b.len() <= 7);
        streamed.extend(b.into_iter().map(|t| (t.id, t.data)));
        Ok(())
    })
    .unwrap();
    let ids: Vec<u64> = streamed.iter().map(|(t, _)| tile_id(*t)).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "not in tile-id order");
    let mut want = tiles.clone();
    want.sort_by_key(|(t, _)| tile_id(*t));
    assert_eq!(streamed, want);
    let meta = r.metadata().unwrap();
    assert!(meta.contains(&("name".into(), "leafy".into())));

    // A damaged leaf directory: the root still opens; walking or looking up reaches the
    // leaf and fails with an error naming the file and the leaf.
    let leaf = r.root[1];
    let mut bytes = std::fs::read(&path).unwrap();
    let at = (r.header.leaves.offset + leaf.offset) as usize + 12;
    bytes[at] ^= 0xff;
    let damaged = dir.join("damaged.pmtiles");
    std::fs::write(&damaged, &bytes).unwrap();
    let mut d = PmtilesReader::open(&damaged).unwrap();
    let err = d.for_each_batch(1000, &mut |_| Ok(())).unwrap_err();
    let want = format!("the leaf directory at offset {} ", leaf.offset);
    assert!(
        err.contains("damaged.pmtiles") && err.contains(&want),
        "{err}"
    );
    let inside = tile_of(leaf.tile_id).unwrap();
    let err = d.get(inside).unwrap_err();
    assert!(err.contains(&want), "{err}");
    assert!(meta.contains(&("format".into(), "png".into())));
    assert!(meta.contains(&("minzoom".into(), "9".into())));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_directories_fits_the_root() {
    let entries: Vec<Entry> = (0..100_000u64)
        .map(|i| Entry {
            tile_id: i * 3,
            offset: i * 1000 + (i * 7919) % 997,
            length: 100 + (i * 31 % 900) as u32,
            run_length: 1,
        })
        .collect();
    let (root, leaves) = build_directories(&entries, ROOT_LIMIT_FOR_TESTS, 4096).unwrap();
    assert!(root.len() <= ROOT_LIMIT_FOR_TESTS);
    assert!(!leaves.is_empty());
    let root = decode_directory(&decompress(&root, Compression::Gzip).unwrap()).unwrap();
    let mut n = 0;
    for e in &root {
        let start = e.offset as usize;
        let leaf = &leaves[start..start + e.length as usize];
        let leaf = decode_directory(&decompress(leaf, Compression::Gzip).unwrap()).unwrap();
        assert_eq!(leaf[0].tile_id, e.tile_id);
        assert_eq!(&leaf[..], &entries[n..n + leaf.len()]);
        n += leaf.len();
    }
    assert_eq!(n, entries.len());
}

const ROOT_LIMIT_FOR_TESTS: usize = 16_384 - HEADER_LEN;

#[test]
fn metadata_maps_both_ways() {
    let rows: Vec<(String, String)> = [
        ("name", "n"),
        ("bounds", "1,2,3,4"),
        ("json", r#"{"vector_layers": [{"id": "a"}]}"#),
        ("tileredact", r#"{"policy":"default"}"#),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let obj = metadata_to_json(&rows);
    assert_eq!(obj["name"], "n");
    assert_eq!(obj["tileredact"], r#"{"policy":"default"}"#);
    assert_eq!(obj["vector_layers"][0]["id"], "a");
    let h = Header::decode(
        &Header {
            root: Section::default(),
            metadata: Section::default(),
            leaves: Section::default(),
            data: Section::default(),
            addressed_tiles: 0,
            tile_entries: 0,
            tile_contents: 0,
            clustered: false,
            internal: Compression::Gzip,
            tile_compression: Compression::Gzip,
            tile_type: TileType::Mvt,
            min_zoom: 0,
            max_zoom: 5,
            bounds_e7: [0; 4],
            center_zoom: 0,
            center_e7: [0; 2],
        }
        .encode(),
    )
    .unwrap();
    let back = json_to_metadata(obj, &h);
    let get = |k: &str| back.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("name"), Some("n"));
    assert_eq!(get("bounds"), Some("1,2,3,4"));
    assert_eq!(get("json"), Some(r#"{"vector_layers":[{"id":"a"}]}"#));
    assert_eq!(get("format"), Some("pbf"));
    assert_eq!(get("maxzoom"), Some("5"));
    assert_eq!(get("tileredact"), Some(r#"{"policy":"default"}"#));
}

#[test]
fn a_dropped_writer_leaves_nothing() {
    let dir = tmp("pmtiles-drop");
    let path = dir.join("never.pmtiles");
    let mut w = PmtilesWriter::create(&path, TileFormat::Png).unwrap();
    w.put_tiles(&[(TileId::new(3, 1, 1).unwrap(), b"x")])
        .unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "the data file");
    drop(w);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // The same tile twice: finish fails and leaves nothing.
    let mut w = Box::new(PmtilesWriter::create(&path, TileFormat::Png).unwrap());
    let t = TileId::new(3, 1, 1).unwrap();
    w.put_tiles(&[(t, b"x"), (t, b"y")]).unwrap();
    let err = w.finish().unwrap_err();
    assert!(err.contains("3/1/1 twice"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let dir = tmp("pmtiles-mutate");
    let path = dir.join("ok.pmtiles");
    let tiles = sample_tiles();
    let mut w = Box::new(
        PmtilesWriter::create(&path, TileFormat::Png)
            .unwrap()
            .with_directory_limits(60, 16),
    );
    let refs: Vec<(TileId, &[u8])> = tiles.iter().map(|(t, d)| (*t, &d[..])).collect();
    w.put_tiles(&refs).unwrap();
    w.put_metadata(&[("name".into(), "m".into())]).unwrap();
    w.finish().unwrap();
    let good = std::fs::read(&path).unwrap();
    // Only the header, the directories and the metadata: damage in tile bytes is no error.
    let data_start = PmtilesReader::open(&path).unwrap().header.data.offset as usize;
    let bad = dir.join("bad.pmtiles");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let (mut opened, mut failed) = (0, 0);
    for _ in 0..600 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = good.clone();
        let at = (state % data_start as u64) as usize;
        b[at] ^= 1 << ((state >> 40) % 8);
        std::fs::write(&bad, &b).unwrap();
        let Ok(r) = PmtilesReader::open(&bad) else {
            failed += 1;
            continue;
        };
        opened += 1;
        let _ = r.metadata();
        for (t, _) in tiles.iter().step_by(37) {
            let _ = r.get(*t);
        }
    }
    assert_eq!(opened + failed, 600);
    assert!(failed > 0, "no damaged header or root was refused");
    let _ = std::fs::remove_dir_all(&dir);
}
