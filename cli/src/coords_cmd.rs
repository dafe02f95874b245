//! `tileredact coords` (datum transforms of CSV points) and `tileredact points` (point
//! redaction of CSV or GeoJSON points against zones).
//!
//! Both read a file or standard input (`-` or no argument) and write to a file or standard
//! output; errors name the line (CSV) or the feature (GeoJSON).
//!
//! CSV: the first two columns are longitude and latitude in degrees unless a header row names
//! them (`lon`/`lng`/`long`/`longitude`/`x` and `lat`/`latitude`/`y`, any case). A header is
//! recognised by its first record not being two numbers, and is copied to the output; every
//! other column is copied unchanged. Coordinates are written with Rust's shortest round-trip
//! formatting, so no precision is lost.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tileredact::{
    Datum, DatumTransform, PointAction, PointRedactor, PointRules, PointSummary, RedactionKey,
    Region, ZoneSet,
};

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
    /// Output file (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Input CSV of lon,lat (default or `-`: standard input).
    pub input: Option<PathBuf>,
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
    /// "move_outside" or "keep". Default: suppress.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Redaction key, 64 hex digits (needed for snap and displace). Command lines can be seen
    /// by other users; prefer --key-file.
    #[arg(long, conflicts_with_all = ["key_file", "passphrase_file"])]
    pub key: Option<String>,
    /// File holding the redaction key (64 hex digits).
    #[arg(long, conflicts_with = "passphrase_file")]
    pub key_file: Option<PathBuf>,
    /// File holding a passphrase to derive the redaction key from.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    /// Input format (default: geojson for .geojson/.json files and for standard input that
    /// starts with `{`, else csv).
    #[arg(long, value_enum)]
    pub format: Option<PointFormat>,
    /// Also write each point's action (kept, suppressed, snapped, displaced, moved): a CSV
    /// column `action`, a GeoJSON property `tileredact_action`. Suppressed points are then
    /// written with empty coordinates (CSV) or a null geometry (GeoJSON) instead of dropped.
    #[arg(long)]
    pub actions: bool,
    /// Output file (default: standard output).
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
    let output = open_output(args.output.as_deref())?;
    let name = input_name(args.input.as_deref());
    let mut csv = CsvPoints::new(input, output, &name, false)?;
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
    let zones = ZoneSet::from_geojson_path(&args.zones)
        .map_err(|e| format!("zones {}: {e}", args.zones.display()))?;
    let rules = match &args.policy {
        Some(p) => PointRules::from_json_str(&read_to_string(p)?)
            .map_err(|e| format!("policy {}: {e}", p.display()))?,
        None => PointRules::default(),
    };
    let key = read_key(args)?;
    let no_key = key.is_none();
    let redactor = PointRedactor::new(zones, &rules, key).map_err(|e| {
        if no_key {
            format!("{e} (give --key, --key-file or --passphrase-file)")
        } else {
            e.to_string()
        }
    })?;

    let mut input = open_input(args.input.as_deref())?;
    let output = open_output(args.output.as_deref())?;
    let name = input_name(args.input.as_deref());
    let format = match args.format {
        Some(f) => f,
        None => detect_format(args.input.as_deref(), &mut input)?,
    };
    let summary = match format {
        PointFormat::Csv => redact_csv(&redactor, input, output, &name, args.actions)?,
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

fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>, String> {
    Ok(match path {
        Some(p) if p != Path::new("-") => Box::new(BufWriter::new(
            File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?,
        )),
        _ => Box::new(BufWriter::new(io::stdout())),
    })
}

fn read_to_string(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_key(args: &PointsArgs) -> Result<Option<RedactionKey>, String> {
    if let Some(hex) = &args.key {
        return RedactionKey::from_hex(hex)
            .map(Some)
            .map_err(|e| format!("--key: {e}"));
    }
    if let Some(p) = &args.key_file {
        return RedactionKey::from_hex(&read_to_string(p)?)
            .map(Some)
            .map_err(|e| format!("key file {}: {e}", p.display()));
    }
    if let Some(p) = &args.passphrase_file {
        let text = read_to_string(p)?;
        let phrase = text.trim_end_matches(['\r', '\n']);
        if phrase.is_empty() {
            return Err(format!("passphrase file {} is empty", p.display()));
        }
        return Ok(Some(RedactionKey::from_passphrase(phrase)));
    }
    Ok(None)
}

/// A reader that can look at its first bytes without consuming them.
struct Peekable {
    head: Vec<u8>,
    pos: usize,
    inner: BufReader<Box<dyn Read>>,
}

impl Peekable {
    /// The first non-whitespace byte, if any (kept for reading).
    fn first_non_space(&mut self) -> io::Result<Option<u8>> {
        loop {
            if let Some(&b) = self.head[self.pos..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
            {
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
    writer: csv::Writer<Box<dyn Write>>,
    name: &'a str,
    lon_col: usize,
    lat_col: usize,
    /// A first data record read while looking for a header.
    pending: Option<csv::StringRecord>,
}

const LON_NAMES: [&str; 5] = ["lon", "lng", "long", "longitude", "x"];
const LAT_NAMES: [&str; 3] = ["lat", "latitude", "y"];

impl<'a> CsvPoints<'a> {
    /// Reads the first record to find a header; `action_col` appends an `action` column to
    /// the header.
    fn new(
        input: Peekable,
        output: Box<dyn Write>,
        name: &'a str,
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
        let mut first = csv::StringRecord::new();
        let got = me
            .reader
            .read_record(&mut first)
            .map_err(|e| format!("{name}: {e}"))?;
        if !got {
            return Ok(me);
        }
        let numeric = |i: usize| {
            first
                .get(i)
                .is_some_and(|f| f.trim().parse::<f64>().is_ok())
        };
        if numeric(0) && numeric(1) {
            me.pending = Some(first);
            return Ok(me);
        }
        let find = |names: &[&str]| {
            first
                .iter()
                .position(|f| names.contains(&f.trim().to_ascii_lowercase().as_str()))
        };
        match (find(&LON_NAMES), find(&LAT_NAMES)) {
            (Some(lon), Some(lat)) => {
                me.lon_col = lon;
                me.lat_col = lat;
            }
            _ => {
                return Err(format!(
                    "{name}: line 1: {:?} is neither two numbers nor a header naming the \
                     longitude ({}) and latitude ({}) columns",
                    first.iter().collect::<Vec<_>>().join(","),
                    LON_NAMES.join(", "),
                    LAT_NAMES.join(", ")
                ));
            }
        }
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

    fn finish(mut self) -> Result<(), String> {
        self.writer
            .flush()
            .map_err(|e| format!("cannot write output: {e}"))
    }
}

fn redact_csv(
    redactor: &PointRedactor,
    input: Peekable,
    output: Box<dyn Write>,
    name: &str,
    actions: bool,
) -> Result<PointSummary, String> {
    let mut csv = CsvPoints::new(input, output, name, actions)?;
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

fn redact_geojson(
    redactor: &PointRedactor,
    mut input: Peekable,
    mut output: Box<dyn Write>,
    name: &str,
    actions: bool,
) -> Result<PointSummary, String> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{name}: not valid JSON: {e}"))?;
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
            for (i, mut f) in features.drain(..).enumerate() {
                let keep = redact_feature(redactor, &mut f, &mut summary, actions)
                    .map_err(|e| format!("{name}: feature {i}: {e}"))?;
                if keep {
                    kept.push(f);
                }
            }
            *features = kept;
        }
        "Feature" => {
            let keep = redact_feature(redactor, &mut doc, &mut summary, actions)
                .map_err(|e| format!("{name}: {e}"))?;
            if !keep {
                doc["geometry"] = Value::Null;
            }
        }
        "Point" | "MultiPoint" => {
            let keep = redact_geometry(redactor, &mut doc, &mut summary)
                .map_err(|e| format!("{name}: {e}"))?;
            if keep.is_none() {
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
    writeln!(output)
        .and_then(|_| output.flush())
        .map_err(|e| format!("cannot write output: {e}"))?;
    Ok(summary)
}

/// Redacts a Feature in place; `false` when it should be dropped (all its points suppressed
/// and `actions` off).
fn redact_feature(
    redactor: &PointRedactor,
    feature: &mut Value,
    summary: &mut PointSummary,
    actions: bool,
) -> Result<bool, String> {
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("expected a Feature".to_string());
    }
    let Some(geometry) = feature.get_mut("geometry") else {
        return Err("a Feature needs a \"geometry\" member (it may be null)".to_string());
    };
    if geometry.is_null() {
        return Ok(true);
    }
    let action = redact_geometry(redactor, geometry, summary)?;
    let all_suppressed = action.is_none();
    if all_suppressed {
        *geometry = Value::Null;
    }
    if actions {
        let name = action.unwrap_or(PointAction::Suppressed).name();
        match feature.get_mut("properties") {
            Some(Value::Object(m)) => {
                m.insert("tileredact_action".into(), Value::String(name.into()));
            }
            _ => {
                feature["properties"] = serde_json::json!({ "tileredact_action": name });
            }
        }
    }
    Ok(!all_suppressed || actions)
}

/// Redacts a Point or MultiPoint in place. Returns the action of a Point (of the first kept
/// position of a MultiPoint), or `None` when every position was suppressed.
fn redact_geometry(
    redactor: &PointRedactor,
    geometry: &mut Value,
    summary: &mut PointSummary,
) -> Result<Option<PointAction>, String> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let coords = geometry
        .get_mut("coordinates")
        .ok_or_else(|| format!("{kind} geometry without \"coordinates\""))?;
    let mut one = |pos: &mut Value| -> Result<Option<PointAction>, String> {
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
        if r.action == PointAction::Suppressed {
            return Ok(None);
        }
        arr[0] = serde_json::json!(r.lon);
        arr[1] = serde_json::json!(r.lat);
        Ok(Some(r.action))
    };
    match kind.as_str() {
        "Point" => one(coords),
        "MultiPoint" => {
            let list = coords
                .as_array_mut()
                .ok_or_else(|| "MultiPoint coordinates must be an array".to_string())?;
            let mut first = None;
            let mut kept = Vec::with_capacity(list.len());
            for mut pos in list.drain(..) {
                if let Some(a) = one(&mut pos)? {
                    first.get_or_insert(a);
                    kept.push(pos);
                }
            }
            *list = kept;
            Ok(first)
        }
        other => Err(format!(
            "geometry type {other:?}; expected Point or MultiPoint"
        )),
    }
}
