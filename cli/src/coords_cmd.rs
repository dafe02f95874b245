//! `tileredact coords` (datum transforms of CSV points) and `tileredact points` (point
//! redaction of CSV or GeoJSON points against zones).
//!
//! Both read a file or standard input (`-` or no argument) and write to a file or standard
//! output; errors name the line (CSV) or the feature (GeoJSON). A file given with `-o` is
//! written all or nothing (a temporary file in its directory, renamed into place on success):
//! a failing run leaves an existing file as it was. Standard output is held back until the run
//! succeeds, up to 1 MiB; past that it is streamed.
//!
//! CSV: without a header row, the first two columns are longitude and latitude in degrees. A
//! header is recognised by its first record not being two numbers, and is copied to the
//! output. `--lon-col NAME --lat-col NAME` name the columns; otherwise the header must have
//! exactly one longitude column (`lon`/`lng`/`long`/`longitude`/`x`, any case) and one
//! latitude column (`lat`/`latitude`/`y`). A header with more candidates (`x,y,lon,lat`) is an
//! error listing them, never a guess: redacting the wrong pair would publish the right one.
//! Every other column is copied unchanged (a second pair of coordinates too: name the columns
//! to redact, and drop the others). Coordinates are written with Rust's shortest round-trip
//! formatting, so no precision is lost.
//!
//! GeoJSON (`points`): the positions of Point and MultiPoint geometries are redacted; a
//! `bbox` member (of the collection, a feature or a geometry) is recomputed from the output
//! positions as `[west, south, east, north]`, and removed when no position remains. The
//! altitude (third and later elements) of a position that was snapped, displaced or moved is
//! removed, since the height narrows down where the point was; kept positions are unchanged.
//! Everything else passes through unchanged: feature `id`s, `properties` (their values are not
//! inspected: a property holding a position or an address is published as it is), and any
//! other member of the collection, features and geometries (`crs`, `name`, foreign members).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tileredact::{
    Datum, DatumTransform, PointAction, PointRedactor, PointRules, PointSummary, Region,
};

use crate::output::Output;

/// Arguments of `tileredact coords`.
#[derive(Debug, Clone, clap::Args)]
pub struct CoordsArgs {
    /// Datum of the input: wgs84, gcj02 or bd09.
    #[arg(long)]
    pub from: Datum,
    /// Datum of the output: wgs84, gcj02 or bd09.
    #[arg(long)]
    pub to: Datum,
    /// Where the offsets apply: polygon (the PRCoords region), bbox or everywhere.
    #[arg(long, default_value = "polygon")]
    pub region: Region,
    #[command(flatten)]
    pub columns: CsvColumns,
    /// Output file (default: standard output); written all or nothing.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Input CSV of lon,lat (default or `-`: standard input).
    pub input: Option<PathBuf>,
}

/// The CSV columns holding the coordinates.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CsvColumns {
    /// CSV: the header name of the longitude column. Needed when the header has more than one
    /// candidate (e.g. x,y,lon,lat); every other column is copied unchanged.
    #[arg(long, value_name = "NAME", requires = "lat_col")]
    pub lon_col: Option<String>,
    /// CSV: the header name of the latitude column (with --lon-col).
    #[arg(long, value_name = "NAME", requires = "lon_col")]
    pub lat_col: Option<String>,
}

/// Input format of `tileredact points`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PointFormat {
    /// CSV with lon,lat columns.
    Csv,
    /// GeoJSON Point / MultiPoint features.
    Geojson,
}

/// Arguments of `tileredact points`.
#[derive(Debug, Clone, clap::Args)]
pub struct PointsArgs {
    /// Zones (GeoJSON); a zone's `points` property sets its point policy.
    #[arg(long)]
    pub zones: PathBuf,
    /// Point policy file (JSON): {"default": POLICY, "categories": {"NAME": POLICY}}, with
    /// POLICY "suppress", {"snap": {"cell_m": M}}, {"displace": {"radius_m": M}},
    /// "move_outside" or "keep", or a rule {"points": POLICY, "operator": ...} of the tile
    /// policy. An unknown member (a typo) is an error. Default: suppress.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub key: crate::key_args::KeyArgs,
    /// Input format (default: geojson for .geojson/.json files and for standard input that
    /// starts with `{`, else csv).
    #[arg(long, value_enum)]
    pub format: Option<PointFormat>,
    /// Also write each point's action (kept, suppressed, snapped, displaced, moved): a CSV
    /// column `action`, a GeoJSON property `tileredact_action` (for a MultiPoint, the
    /// strictest action of its positions: kept < snapped < displaced < moved < suppressed).
    /// Suppressed points are then written with empty coordinates (CSV) or a null geometry
    /// (GeoJSON) instead of dropped.
    #[arg(long)]
    pub actions: bool,
    #[command(flatten)]
    pub columns: CsvColumns,
    /// Output file (default: standard output); written all or nothing.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Input points (default or `-`: standard input).
    pub input: Option<PathBuf>,
}

/// Runs `tileredact coords`.
///
/// # Errors
/// A message naming the file and line: unreadable input, a field that is not a number, a
/// coordinate out of range, a header without lon/lat columns, an unwritable output.
pub fn run_coords(args: &CoordsArgs) -> Result<(), String> {
    let t = DatumTransform::new(args.from, args.to).with_region(args.region);
    let input = open_input(args.input.as_deref())?;
    let output = Output::open(args.output.as_deref())?;
    let name = input_name(args.input.as_deref());
    let mut csv = CsvPoints::new(input, output, &name, &args.columns, false)?;
    let mut batch: Vec<(csv::StringRecord, u64, [f64; 2])> = Vec::with_capacity(BATCH);
    loop {
        let more = csv.read_batch(&mut batch)?;
        let mut pts: Vec<[f64; 2]> = batch.iter().map(|b| b.2).collect();
        t.apply(&mut pts).map_err(|e| format!("{name}: {e}"))?;
        for ((record, _, _), p) in batch.iter().zip(&pts) {
            csv.write(record, Some(*p), None)?;
        }
        batch.clear();
        if !more {
            break;
        }
    }
    csv.finish()
}

/// Runs `tileredact points`; prints a summary of the actions on standard error.
///
/// # Errors
/// A message naming the file and the line or feature: unreadable or invalid zones, policy or
/// key, invalid points, an unwritable output.
pub fn run_points(args: &PointsArgs) -> Result<(), String> {
    let zones = crate::load_zones(&args.zones)?;
    let rules = match &args.policy {
        Some(p) => PointRules::from_json_str(&read_to_string(p)?)
            .map_err(|e| format!("policy {}: {e}", p.display()))?,
        None => PointRules::default(),
    };
    let key = args.key.read()?;
    let no_key = key.is_none();
    let redactor = PointRedactor::new(zones, &rules, key).map_err(|e| {
        if no_key {
            format!("{e} (give --key, --key-file or --passphrase-file)")
        } else {
            e.to_string()
        }
    })?;

    let mut input = open_input(args.input.as_deref())?;
    let output = Output::open(args.output.as_deref())?;
    let name = input_name(args.input.as_deref());
    let format = match args.format {
        Some(f) => f,
        None => detect_format(args.input.as_deref(), &mut input)?,
    };
    let summary = match format {
        PointFormat::Csv => redact_csv(&redactor, input, output, &name, args)?,
        PointFormat::Geojson => redact_geojson(&redactor, input, output, &name, args.actions)?,
    };
    eprintln!("tileredact points: {summary}");
    Ok(())
}

const BATCH: usize = 4096;

fn input_name(path: Option<&Path>) -> String {
    match path {
        Some(p) if p != Path::new("-") => p.display().to_string(),
        _ => "<stdin>".to_string(),
    }
}

fn open_input(path: Option<&Path>) -> Result<Peekable, String> {
    let inner: Box<dyn Read> = match path {
        Some(p) if p != Path::new("-") => {
            Box::new(File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()))?)
        }
        _ => Box::new(io::stdin()),
    };
    Ok(Peekable {
        head: Vec::new(),
        pos: 0,
        inner: BufReader::new(inner),
    })
}

fn read_to_string(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A reader that can look at its first bytes without consuming them.
struct Peekable {
    head: Vec<u8>,
    pos: usize,
    inner: BufReader<Box<dyn Read>>,
}

impl Peekable {
    /// The first non-whitespace byte after a byte order mark, if any (kept for reading).
    fn first_non_space(&mut self) -> io::Result<Option<u8>> {
        loop {
            let rest = &self.head[self.pos..];
            let rest = rest.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(rest);
            if let Some(&b) = rest.iter().find(|b| !b.is_ascii_whitespace()) {
                return Ok(Some(b));
            }
            let mut buf = [0u8; 4096];
            let n = self.inner.read(&mut buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.head.extend_from_slice(&buf[..n]);
        }
    }
}

impl Read for Peekable {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

fn detect_format(path: Option<&Path>, input: &mut Peekable) -> Result<PointFormat, String> {
    if let Some(ext) = path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        match ext.to_ascii_lowercase().as_str() {
            "geojson" | "json" => return Ok(PointFormat::Geojson),
            "csv" | "txt" => return Ok(PointFormat::Csv),
            _ => {}
        }
    }
    let first = input
        .first_non_space()
        .map_err(|e| format!("cannot read {}: {e}", input_name(path)))?;
    Ok(if first == Some(b'{') {
        PointFormat::Geojson
    } else {
        PointFormat::Csv
    })
}

/// CSV in, CSV out, with the lon/lat columns found once.
struct CsvPoints<'a> {
    reader: csv::Reader<Peekable>,
    writer: csv::Writer<Output>,
    name: &'a str,
    lon_col: usize,
    lat_col: usize,
    /// A first data record read while looking for a header.
    pending: Option<csv::StringRecord>,
}

/// Header names of a longitude column, best first (`x` only when nothing better is there).
const LON_NAMES: [&str; 5] = ["lon", "lng", "long", "longitude", "x"];
/// Header names of a latitude column, best first.
const LAT_NAMES: [&str; 3] = ["lat", "latitude", "y"];

/// The columns of `header` named one of `names`, best name first: (rank, column).
fn candidates(header: &csv::StringRecord, names: &[&str]) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(col, f)| {
            let f = f.trim().to_ascii_lowercase();
            let rank = names.iter().position(|n| *n == f)?;
            // lon/lng/long/longitude (and lat/latitude) are all good names; x and y come last.
            Some((usize::from(rank == names.len() - 1), col))
        })
        .collect();
    found.sort_unstable();
    found
}

/// The column of `header` named `want` (trimmed, any case).
fn named_column(
    header: &csv::StringRecord,
    want: &str,
    option: &str,
    name: &str,
) -> Result<usize, String> {
    let matches: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, f)| f.trim().eq_ignore_ascii_case(want.trim()))
        .map(|(i, _)| i)
        .collect();
    match matches[..] {
        [col] => Ok(col),
        [] => Err(format!(
            "{name}: line 1: {option} {want:?}: no such column in the header {:?}",
            header.iter().collect::<Vec<_>>().join(",")
        )),
        _ => Err(format!(
            "{name}: line 1: {option} {want:?}: {} columns of the header {:?} have that name \
             (columns {})",
            matches.len(),
            header.iter().collect::<Vec<_>>().join(","),
            matches
                .iter()
                .map(|c| (c + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The longitude and latitude columns of a header row.
fn header_columns(
    header: &csv::StringRecord,
    columns: &CsvColumns,
    name: &str,
) -> Result<(usize, usize), String> {
    if let (Some(lon), Some(lat)) = (&columns.lon_col, &columns.lat_col) {
        let lon = named_column(header, lon, "--lon-col", name)?;
        let lat = named_column(header, lat, "--lat-col", name)?;
        if lon == lat {
            return Err(format!(
                "{name}: line 1: --lon-col and --lat-col name the same column ({})",
                lon + 1
            ));
        }
        return Ok((lon, lat));
    }
    let (lons, lats) = (
        candidates(header, &LON_NAMES),
        candidates(header, &LAT_NAMES),
    );
    let show = |c: &[(usize, usize)]| {
        c.iter()
            .map(|&(_, col)| format!("{:?} (column {})", header[col].trim(), col + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&lons[..], &lats[..]) {
        ([(_, lon)], [(_, lat)]) => Ok((*lon, *lat)),
        ([], _) | (_, []) => Err(format!(
            "{name}: line 1: {:?} is neither two numbers nor a header naming the longitude \
             ({}) and latitude ({}) columns; name them with --lon-col and --lat-col",
            header.iter().collect::<Vec<_>>().join(","),
            LON_NAMES.join(", "),
            LAT_NAMES.join(", ")
        )),
        ([(_, lon), ..], [(_, lat), ..]) => Err(format!(
            "{name}: line 1: the header has more than one pair of coordinate columns \
             (longitude: {}; latitude: {}); say which to redact with --lon-col and --lat-col, \
             e.g. --lon-col {} --lat-col {} (the other columns are copied unchanged)",
            show(&lons),
            show(&lats),
            header[*lon].trim(),
            header[*lat].trim()
        )),
    }
}

impl<'a> CsvPoints<'a> {
    /// Reads the first record to find a header; `action_col` appends an `action` column to
    /// the header.
    fn new(
        input: Peekable,
        output: Output,
        name: &'a str,
        columns: &CsvColumns,
        action_col: bool,
    ) -> Result<Self, String> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let writer = csv::WriterBuilder::new().flexible(true).from_writer(output);
        let mut me = CsvPoints {
            reader,
            writer,
            name,
            lon_col: 0,
            lat_col: 1,
            pending: None,
        };
        let named = columns.lon_col.is_some() || columns.lat_col.is_some();
        let mut first = csv::StringRecord::new();
        let got = me
            .reader
            .read_record(&mut first)
            .map_err(|e| format!("{name}: {e}"))?;
        if !got {
            if named {
                return Err(format!(
                    "{name}: the input is empty; --lon-col and --lat-col need a header row"
                ));
            }
            return Ok(me);
        }
        let numeric = |i: usize| {
            first
                .get(i)
                .is_some_and(|f| f.trim().parse::<f64>().is_ok())
        };
        if !named && numeric(0) && numeric(1) {
            me.pending = Some(first);
            return Ok(me);
        }
        (me.lon_col, me.lat_col) = header_columns(&first, columns, name)?;
        let mut header: Vec<&str> = first.iter().collect();
        if action_col {
            header.push("action");
        }
        me.writer
            .write_record(&header)
            .map_err(|e| format!("cannot write output: {e}"))?;
        Ok(me)
    }

    /// Reads one data record with its line number and coordinates.
    fn next(&mut self) -> Result<Option<(csv::StringRecord, u64, [f64; 2])>, String> {
        let record = loop {
            let record = match self.pending.take() {
                Some(r) => r,
                None => {
                    let mut r = csv::StringRecord::new();
                    let got = self
                        .reader
                        .read_record(&mut r)
                        .map_err(|e| format!("{}: {e}", self.name))?;
                    if !got {
                        return Ok(None);
                    }
                    r
                }
            };
            // Blank lines are skipped.
            if !record.iter().all(|f| f.trim().is_empty()) {
                break record;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize, what: &str| -> Result<f64, String> {
            let f = record.get(i).ok_or_else(|| {
                format!(
                    "{}: line {line}: no {what} column (column {})",
                    self.name,
                    i + 1
                )
            })?;
            let v: f64 = f
                .trim()
                .parse()
                .map_err(|_| format!("{}: line {line}: {what} {f:?} is not a number", self.name))?;
            Ok(v)
        };
        let lon = field(self.lon_col, "longitude")?;
        let lat = field(self.lat_col, "latitude")?;
        if !(-180.0..=180.0).contains(&lon) {
            return Err(format!(
                "{}: line {line}: longitude {lon} is out of range; expected -180..=180",
                self.name
            ));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(format!(
                "{}: line {line}: latitude {lat} is out of range; expected -90..=90",
                self.name
            ));
        }
        Ok(Some((record, line, [lon, lat])))
    }

    /// Reads up to [`BATCH`] records; `false` when the input is exhausted.
    fn read_batch(
        &mut self,
        batch: &mut Vec<(csv::StringRecord, u64, [f64; 2])>,
    ) -> Result<bool, String> {
        while batch.len() < BATCH {
            match self.next()? {
                Some(r) => batch.push(r),
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Writes a record with its coordinates replaced (`None`: empty) and, with `action`, an
    /// action column.
    fn write(
        &mut self,
        record: &csv::StringRecord,
        p: Option<[f64; 2]>,
        action: Option<PointAction>,
    ) -> Result<(), String> {
        let mut out: Vec<String> = record.iter().map(str::to_string).collect();
        let fmt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        out[self.lon_col] = fmt(p.map(|p| p[0]));
        out[self.lat_col] = fmt(p.map(|p| p[1]));
        if let Some(a) = action {
            out.push(a.name().to_string());
        }
        self.writer
            .write_record(&out)
            .map_err(|e| format!("cannot write output: {e}"))
    }

    /// Completes the output (see [`Output::commit`]).
    fn finish(self) -> Result<(), String> {
        self.writer
            .into_inner()
            .map_err(|e| format!("cannot write output: {}", e.error()))?
            .commit()
    }
}

fn redact_csv(
    redactor: &PointRedactor,
    input: Peekable,
    output: Output,
    name: &str,
    args: &PointsArgs,
) -> Result<PointSummary, String> {
    let actions = args.actions;
    let mut csv = CsvPoints::new(input, output, name, &args.columns, actions)?;
    let mut summary = PointSummary::default();
    while let Some((record, line, [lon, lat])) = csv.next()? {
        let r = redactor
            .redact_point(lon, lat)
            .map_err(|e| format!("{name}: line {line}: {e}"))?;
        summary.add(r.action);
        let p = (r.action != PointAction::Suppressed).then_some([r.lon, r.lat]);
        if p.is_some() || actions {
            csv.write(&record, p, actions.then_some(r.action))?;
        }
    }
    csv.finish()?;
    Ok(summary)
}

/// A bounding box `[west, south, east, north]` of output positions (`None`: no position).
type BBox = Option<[f64; 4]>;

fn bbox_add(b: &mut BBox, lon: f64, lat: f64) {
    bbox_merge(b, Some([lon, lat, lon, lat]));
}

fn bbox_merge(b: &mut BBox, other: BBox) {
    *b = match (*b, other) {
        (Some(a), Some(o)) => Some([
            a[0].min(o[0]),
            a[1].min(o[1]),
            a[2].max(o[2]),
            a[3].max(o[3]),
        ]),
        (a, o) => a.or(o),
    };
}

/// Replaces the `bbox` member of `object`, if it has one, by `b` (removes it for `None`).
/// An input bbox is never copied: for a suppressed or moved point it is the original position.
fn set_bbox(object: &mut Value, b: BBox) {
    if let Value::Object(m) = object
        && m.contains_key("bbox")
    {
        match b {
            Some(b) => {
                m.insert("bbox".into(), serde_json::json!(b));
            }
            None => {
                m.remove("bbox");
            }
        }
    }
}

/// How strict an action is, for the label of a MultiPoint: kept < snapped < displaced <
/// moved < suppressed (the order of the point policies).
fn strictness(a: PointAction) -> u8 {
    match a {
        PointAction::Kept => 0,
        PointAction::Snapped => 1,
        PointAction::Displaced => 2,
        PointAction::Moved => 3,
        // Suppressed, and anything newer: the strictest.
        _ => 4,
    }
}

/// What became of a Point or MultiPoint.
struct GeometryOutcome {
    /// The strictest action of its positions (suppressed when none remains).
    action: PointAction,
    /// Whether any position remains.
    remains: bool,
    /// The bounding box of the remaining positions.
    bbox: BBox,
}

fn redact_geojson(
    redactor: &PointRedactor,
    mut input: Peekable,
    mut output: Output,
    name: &str,
    actions: bool,
) -> Result<PointSummary, String> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut doc: Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not valid JSON: {e}"))?;
    let mut summary = PointSummary::default();
    let kind = doc
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match kind.as_str() {
        "FeatureCollection" => {
            let features = doc
                .get_mut("features")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| format!("{name}: a FeatureCollection needs a \"features\" array"))?;
            let mut kept = Vec::with_capacity(features.len());
            let mut bbox = None;
            for (i, mut f) in features.drain(..).enumerate() {
                let (keep, b) = redact_feature(redactor, &mut f, &mut summary, actions)
                    .map_err(|e| format!("{name}: feature {i}: {e}"))?;
                if keep {
                    bbox_merge(&mut bbox, b);
                    kept.push(f);
                }
            }
            *features = kept;
            set_bbox(&mut doc, bbox);
        }
        "Feature" => {
            let (keep, _) = redact_feature(redactor, &mut doc, &mut summary, actions)
                .map_err(|e| format!("{name}: {e}"))?;
            if !keep {
                doc["geometry"] = Value::Null;
                set_bbox(&mut doc, None);
            }
        }
        "Point" | "MultiPoint" => {
            let out = redact_geometry(redactor, &mut doc, &mut summary)
                .map_err(|e| format!("{name}: {e}"))?;
            if !out.remains {
                doc = Value::Null;
            }
        }
        other => {
            return Err(format!(
                "{name}: GeoJSON type {other:?}; expected FeatureCollection, Feature, Point or \
                 MultiPoint"
            ));
        }
    }
    serde_json::to_writer(&mut output, &doc).map_err(|e| format!("cannot write output: {e}"))?;
    writeln!(output).map_err(|e| format!("cannot write output: {e}"))?;
    output.commit()?;
    Ok(summary)
}

/// Redacts a Feature in place (its `bbox` recomputed): whether to keep it (`false`: all its
/// points suppressed and `actions` off), and the bounding box of its output positions.
fn redact_feature(
    redactor: &PointRedactor,
    feature: &mut Value,
    summary: &mut PointSummary,
    actions: bool,
) -> Result<(bool, BBox), String> {
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("expected a Feature".to_string());
    }
    let Some(geometry) = feature.get_mut("geometry") else {
        return Err("a Feature needs a \"geometry\" member (it may be null)".to_string());
    };
    if geometry.is_null() {
        set_bbox(feature, None);
        return Ok((true, None));
    }
    let out = redact_geometry(redactor, geometry, summary)?;
    if !out.remains {
        *geometry = Value::Null;
    }
    set_bbox(feature, out.bbox);
    if actions {
        let name = out.action.name();
        match feature.get_mut("properties") {
            Some(Value::Object(m)) => {
                m.insert("tileredact_action".into(), Value::String(name.into()));
            }
            _ => {
                feature["properties"] = serde_json::json!({ "tileredact_action": name });
            }
        }
    }
    Ok((out.remains || actions, out.bbox))
}

/// Redacts a Point or MultiPoint in place (suppressed positions removed, the altitude of moved
/// ones dropped, its `bbox` recomputed).
fn redact_geometry(
    redactor: &PointRedactor,
    geometry: &mut Value,
    summary: &mut PointSummary,
) -> Result<GeometryOutcome, String> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let coords = geometry
        .get_mut("coordinates")
        .ok_or_else(|| format!("{kind} geometry without \"coordinates\""))?;
    let mut one = |pos: &mut Value| -> Result<PointAction, String> {
        let bad = || format!("position {pos} is not [lon, lat] numbers");
        let (lon, lat) = match pos.as_array() {
            Some(a) if a.len() >= 2 => match (a[0].as_f64(), a[1].as_f64()) {
                (Some(lon), Some(lat)) => (lon, lat),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        let arr = pos.as_array_mut().expect("checked above");
        let r = redactor.redact_point(lon, lat).map_err(|e| e.to_string())?;
        summary.add(r.action);
        if r.action != PointAction::Kept && r.action != PointAction::Suppressed {
            arr.truncate(2);
            arr[0] = serde_json::json!(r.lon);
            arr[1] = serde_json::json!(r.lat);
        }
        Ok(r.action)
    };
    let mut out = GeometryOutcome {
        action: PointAction::Kept,
        remains: false,
        bbox: None,
    };
    let take = |out: &mut GeometryOutcome, pos: &Value, action: PointAction| {
        if strictness(action) > strictness(out.action) {
            out.action = action;
        }
        if action != PointAction::Suppressed {
            out.remains = true;
            let a = pos.as_array().expect("a position");
            let (lon, lat) = (a[0].as_f64(), a[1].as_f64());
            bbox_add(
                &mut out.bbox,
                lon.expect("a number"),
                lat.expect("a number"),
            );
        }
    };
    match kind.as_str() {
        "Point" => {
            let action = one(coords)?;
            take(&mut out, coords, action);
        }
        "MultiPoint" => {
            let list = coords
                .as_array_mut()
                .ok_or_else(|| "MultiPoint coordinates must be an array".to_string())?;
            let mut kept = Vec::with_capacity(list.len());
            for mut pos in list.drain(..) {
                let action = one(&mut pos)?;
                take(&mut out, &pos, action);
                if action != PointAction::Suppressed {
                    kept.push(pos);
                }
            }
            *list = kept;
        }
        other => {
            return Err(format!(
                "geometry type {other:?}; expected Point or MultiPoint"
            ));
        }
    }
    if !out.remains {
        out.action = PointAction::Suppressed;
    }
    set_bbox(geometry, out.bbox);
    Ok(out)
}
