//! The poisson-numcodecs family's codec cases and Zarr V2 stores (codec id `poisson`).
//!
//! Every case must match the reference exactly where the reference produced something:
//! tables, codes (through the reference-faithful encoder), decoded values and the manifest's
//! probes. Beyond that, a quirk case must show its quirks in our analysis (reproduced on
//! decode) and be refused by the writing encoder, and an `error_*` case must fail with our
//! own error, before any data is touched. The calibration runs of the same folder are checked
//! in `poisson_calibration`.

use std::collections::BTreeSet;
use std::path::Path;

use anscombe_core::{DataType, PoissonCodec, PoissonEncoderError, PoissonParams, Quirk};
use anscombe_io::{Element, Samples};
use serde_json::Value;
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

use crate::fixture::{array, number, same, text};
use crate::report::Outcome;

/// One outcome per codec case of the manifest.
pub(crate) fn check_cases(folder: &Path, manifest: &Value) -> Vec<Outcome> {
    manifest["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let name = case["name"].as_str().unwrap_or("(unnamed)");
            Outcome::new("codec", name, check_case(folder, case))
        })
        .collect()
}

/// One outcome per store of the manifest, read through `anscombe-store` (zarrs with the
/// `poisson` plugin).
pub(crate) fn check_stores(folder: &Path, manifest: &Value) -> Vec<Outcome> {
    manifest["stores"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            let name = entry["name"].as_str().unwrap_or("(unnamed)");
            Outcome::new("store", name, check_store(folder, entry))
        })
        .collect()
}

/// A store: every value equal to what zarr-python read back; the codes of the input equal to
/// the reference's; never-written chunks read as the fill value itself (not decoded); partial
/// edge chunks cut at the array's edge, with the fill value's code stored past it; the
/// filter's configuration equal to the manifest's, and its quirks said once.
fn check_store(folder: &Path, store: &Value) -> Result<String, String> {
    let path = folder.join(text(store, "store")?);
    let zarr = anscombe_store::open_array(&path).map_err(|e| e.to_string())?;
    let filter = anscombe_store::array_poisson_codec(&zarr)
        .ok_or("the store's pipeline has no poisson filter we can read")?;
    let expected_params = params(&store["codec_config"])?;
    if *filter.params() != expected_params {
        return Err(format!(
            "the store's filter reads as {:?}, the manifest says {expected_params:?}",
            filter.params()
        ));
    }
    let (shape, ours) =
        anscombe_store::read_subset(&zarr, &zarr.subset_all()).map_err(|e| e.to_string())?;
    let decoded = array(folder, store, "decoded")?.samples;
    same("decoded store", &ours, &decoded)?;

    let codec = filter.core();
    let input = array(folder, store, "input")?.samples;
    let encoded = array(folder, store, "encoded")?.samples;
    same("codes", &reference_codes(codec, &input)?, &encoded)?;

    let chunks: Vec<u64> = store["chunks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    if chunks.len() != shape.len() || chunks.contains(&0) {
        return Err(format!("chunks {chunks:?} for shape {shape:?}"));
    }
    let grid = Grid {
        shape: &shape,
        chunks: &chunks,
    };
    let fill = number(store, "fill_value")?;
    let fill_code = codec.reference_code(fill);
    let fill_decoded = codec.decoded_value(u64::from(fill_code));
    let values = ours.to_f64();
    let missing = check_missing(&zarr, store, &grid, &values, fill)?;
    let roundtrip = decode(codec, &encoded)?.to_f64();
    if let Some(flat) = (0..values.len())
        .find(|&i| !missing.elements.contains(&i) && values.get(i) != roundtrip.get(i))
    {
        return Err(format!(
            "element {flat} reads {:?}, decode(encoded) is {:?}",
            values.get(flat),
            roundtrip.get(flat)
        ));
    }
    let edge_chunks = check_edges(&zarr, store, &grid, &missing.chunks, fill_decoded)?;

    let mut notes = vec![format!(
        "{} values exact through zarrs (writer {}); codes exact",
        values.len(),
        store["writer"].as_str().unwrap_or("?")
    )];
    if !missing.chunks.is_empty() {
        notes.push(format!(
            "{} never-written chunk(s) read as the fill value {fill} (decode(code(fill)) would \
             be {fill_decoded})",
            missing.chunks.len()
        ));
    }
    if edge_chunks > 0 {
        notes.push(format!(
            "{edge_chunks} partial edge chunk(s) cut at the edge, padded with code {fill_code} \
             of the fill value"
        ));
    }
    if filter.quirks().is_empty() {
        notes.push("no quirk".into());
    } else {
        let quirks: Vec<String> = filter
            .quirks()
            .iter()
            .map(|q| format!("({}) {q}", q.letter()))
            .collect();
        notes.push(format!("quirks reproduced: {}", quirks.join("; ")));
    }
    Ok(notes.join("; "))
}

/// The never-written chunks of a store and the flat positions of their elements.
struct Missing {
    chunks: Vec<Vec<u64>>,
    elements: std::collections::HashSet<usize>,
}

/// The manifest's never-written chunks: absent from the store, and read as the fill value
/// itself.
fn check_missing(
    zarr: &Array<FilesystemStore>,
    store: &Value,
    grid: &Grid<'_>,
    values: &[f64],
    fill: f64,
) -> Result<Missing, String> {
    let chunks: Vec<Vec<u64>> = store["missing_chunks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|index| {
            index
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect()
        })
        .collect();
    let mut elements = std::collections::HashSet::new();
    for index in &chunks {
        if !grid.contains(index) {
            return Err(format!("missing chunk {index:?} is outside the chunk grid"));
        }
        if zarr
            .retrieve_encoded_chunk(index)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Err(format!(
                "chunk {index:?} is listed as missing but is stored"
            ));
        }
        for flat in grid.elements(index) {
            let value = values.get(flat).copied();
            if value != Some(fill) {
                return Err(format!(
                    "never-written chunk {index:?} reads {value:?} at element {flat}, not the \
                     fill value {fill}"
                ));
            }
            elements.insert(flat);
        }
    }
    Ok(Missing { chunks, elements })
}

/// Partial edge chunks: zarr-python padded them with the fill value before encoding, so the
/// stored codes past the edge are the fill value's code and read back as its decoded value.
/// Returns how many there are (which the manifest's `edge_chunks` must agree with).
fn check_edges(
    zarr: &Array<FilesystemStore>,
    store: &Value,
    grid: &Grid<'_>,
    missing: &[Vec<u64>],
    fill_decoded: f64,
) -> Result<usize, String> {
    let mut edge_chunks = 0;
    for index in grid.indices() {
        if !grid.is_partial(&index) || missing.contains(&index) {
            continue;
        }
        let (_, chunk) = anscombe_store::read_chunk(zarr, &index).map_err(|e| e.to_string())?;
        let chunk = chunk.to_f64();
        let padding = grid.padding(&index);
        if chunk.len() != padding.len() {
            return Err(format!("edge chunk {index:?} holds {} values", chunk.len()));
        }
        for (position, (&value, &past_edge)) in chunk.iter().zip(&padding).enumerate() {
            if past_edge && value != fill_decoded {
                return Err(format!(
                    "edge chunk {index:?}: element {position} past the edge reads {value}, \
                     not decode(code(fill value)) = {fill_decoded}"
                ));
            }
        }
        edge_chunks += 1;
    }
    let expected = store["edge_chunks"].as_bool().unwrap_or(false);
    if expected != (edge_chunks > 0) {
        return Err(format!(
            "{edge_chunks} partial edge chunks; the manifest says edge_chunks {expected}"
        ));
    }
    Ok(edge_chunks)
}

/// A regular chunk grid over a C-order array.
struct Grid<'a> {
    shape: &'a [u64],
    chunks: &'a [u64],
}

impl Grid<'_> {
    /// Chunks along each axis.
    fn counts(&self) -> Vec<u64> {
        self.shape
            .iter()
            .zip(self.chunks)
            .map(|(&n, &c)| n.div_ceil(c))
            .collect()
    }

    /// Every chunk index, in C order.
    fn indices(&self) -> Vec<Vec<u64>> {
        let counts = self.counts();
        let total: u64 = counts.iter().product();
        (0..total)
            .map(|mut flat| {
                let mut index = vec![0; counts.len()];
                for (axis, &count) in counts.iter().enumerate().rev() {
                    index[axis] = flat % count;
                    flat /= count;
                }
                index
            })
            .collect()
    }

    /// Whether a chunk index is inside the grid.
    fn contains(&self, index: &[u64]) -> bool {
        index.len() == self.shape.len()
            && index.iter().zip(self.counts()).all(|(&i, count)| i < count)
    }

    /// Whether a chunk reaches past the array's edge.
    fn is_partial(&self, index: &[u64]) -> bool {
        index
            .iter()
            .zip(self.chunks)
            .zip(self.shape)
            .any(|((&i, &c), &n)| (i + 1) * c > n)
    }

    /// For every element of a whole chunk (C order), whether it lies past the array's edge.
    fn padding(&self, index: &[u64]) -> Vec<bool> {
        let count: u64 = self.chunks.iter().product();
        (0..count)
            .map(|mut flat| {
                let mut past = false;
                for axis in (0..self.chunks.len()).rev() {
                    let offset = flat % self.chunks[axis];
                    flat /= self.chunks[axis];
                    past |= index[axis] * self.chunks[axis] + offset >= self.shape[axis];
                }
                past
            })
            .collect()
    }

    /// Flat (C-order) positions in the array of a chunk's elements inside it.
    fn elements(&self, index: &[u64]) -> Vec<usize> {
        let mut out = Vec::new();
        let padding = self.padding(index);
        let count: u64 = self.chunks.iter().product();
        for (local, past) in (0..count).zip(padding) {
            if past {
                continue;
            }
            let mut rest = local;
            let mut flat = 0u64;
            let mut coordinates = vec![0u64; self.chunks.len()];
            for axis in (0..self.chunks.len()).rev() {
                coordinates[axis] = index[axis] * self.chunks[axis] + rest % self.chunks[axis];
                rest /= self.chunks[axis];
            }
            for (axis, &c) in coordinates.iter().enumerate() {
                flat = flat * self.shape[axis] + c;
            }
            out.push(flat as usize);
        }
        out
    }
}

/// The configuration of a case (or a store's `codec_config`), with our parse errors.
pub(crate) fn params(config: &Value) -> Result<PoissonParams, String> {
    let name = |key: &str, default: &'static str| config[key].as_str().unwrap_or(default);
    Ok(PoissonParams {
        dark_signal: number(config, "dark_signal")?,
        photon_sensitivity: number(config, "photon_sensitivity")?,
        encoded_dtype: PoissonParams::parse_encoded_dtype(name("encoded_dtype", "uint8"))
            .map_err(|e| e.to_string())?,
        decoded_dtype: PoissonParams::parse_decoded_dtype(name("decoded_dtype", "int16"))
            .map_err(|e| e.to_string())?,
        beta: config["beta"].as_f64().unwrap_or(0.5),
        use_lookup: config["use_lookup"].as_bool().unwrap_or(true),
    })
}

fn check_case(folder: &Path, case: &Value) -> Result<String, String> {
    if let Some(expected) = case.get("expect_error") {
        return check_error(folder, case, expected);
    }
    let codec = PoissonCodec::new(&params(&case["config"])?).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    if case["files"].get("forward_table").is_some() {
        notes.push(check_tables(folder, case, &codec)?);
    }
    if text(case, "api")? == "codec" {
        let input = array(folder, case, "input")?.samples;
        let codes = reference_codes(&codec, &input)?;
        same("codes", &codes, &array(folder, case, "encoded")?.samples)?;
        notes.push(format!("{} codes", codes.len()));
    }
    let encoded = array(folder, case, "encoded")?.samples;
    let decoded = decode(&codec, &encoded)?;
    same(
        "decoded",
        &decoded,
        &array(folder, case, "decoded")?.samples,
    )?;
    notes.push(format!("{} decoded values", decoded.len()));
    let probes = check_probes(case, &codec)?;
    if probes > 0 {
        notes.push(format!("{probes} probes"));
    }
    let mut note = format!("{} exact; ", notes.join(", "));
    note.push_str(&check_quirks(folder, case, &codec)?);
    Ok(note)
}

/// The reference's own tables: the forward table in the encoded type, the `int64` inverse.
fn check_tables(folder: &Path, case: &Value, codec: &PoissonCodec) -> Result<String, String> {
    let table = codec
        .lookup_table()
        .ok_or("the case has tables but the codec is in formula mode")?;
    let forward = array(folder, case, "forward_table")?.samples;
    let ours: Vec<f64> = table.forward().iter().map(|&c| f64::from(c)).collect();
    same(
        "forward table",
        &Samples::from_f64(forward.element(), &ours),
        &forward,
    )?;
    let inverse = array(folder, case, "inverse_table")?.samples;
    same(
        "inverse table",
        &Samples::I64(table.inverse().to_vec()),
        &inverse,
    )?;
    Ok(format!(
        "tables of {} and {} entries",
        forward.len(),
        inverse.len()
    ))
}

/// The manifest's probes: the reference's code and decoded value of chosen inputs and codes.
fn check_probes(case: &Value, codec: &PoissonCodec) -> Result<usize, String> {
    let probes = &case["probes"];
    let mut count = 0;
    for probe in probes["inputs"].as_array().into_iter().flatten() {
        let input = number(probe, "input")?;
        let code = codec.reference_code(input);
        if f64::from(code) != number(probe, "code")? {
            return Err(format!("probe: input {input} gets code {code}"));
        }
        let value = codec.decoded_value(u64::from(code));
        if value != number(probe, "decoded")? {
            return Err(format!("probe: input {input} decodes to {value}"));
        }
        count += 1;
    }
    for probe in probes["codes"].as_array().into_iter().flatten() {
        let code = number(probe, "code")?;
        let value = codec.decoded_value(code as u64);
        if value != number(probe, "decoded")? {
            return Err(format!("probe: code {code} decodes to {value}"));
        }
        count += 1;
    }
    Ok(count)
}

/// The quirks the manifest names are in our analysis (decoding reproduces them), and writing
/// refuses exactly the configurations our analysis finds a quirk in.
fn check_quirks(folder: &Path, case: &Value, codec: &PoissonCodec) -> Result<String, String> {
    let ours: BTreeSet<&str> = codec.quirks().iter().map(Quirk::letter).collect();
    let theirs: BTreeSet<&str> = case["quirk_kinds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !theirs.is_subset(&ours) {
        return Err(format!(
            "quirks {theirs:?} expected, our analysis finds {ours:?}"
        ));
    }
    let input_type = match case["files"].get("input") {
        Some(_) => sample_type(&array(folder, case, "input")?.samples)?,
        None => codec.params().decoded_dtype,
    };
    let refusal = match codec.encoder(input_type) {
        Ok(_) => None,
        Err(PoissonEncoderError::Refused(refusal)) => Some(refusal),
        Err(other) => return Err(format!("encoder: {other}")),
    };
    let list = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(", ");
    let Some(refusal) = refusal else {
        // Lookup mode's quirks do not depend on the input type: any of them must refuse.
        if !theirs.is_empty() || (codec.params().use_lookup && !ours.is_empty()) {
            return Err(format!(
                "quirks {ours:?} found, but writing was not refused"
            ));
        }
        return Ok("no quirk; writing accepted".into());
    };
    let reach = if theirs.is_empty() {
        "a quirk of the configuration that the case's data do not reach".to_string()
    } else {
        format!("as the manifest says: {}", list(&theirs))
    };
    Ok(format!(
        "quirks {} reproduced on decode ({reach}); encode refused: {refusal}",
        list(&ours)
    ))
}

/// A case on which the reference raises: ours fails too, with our own message and before any
/// data is encoded or decoded.
fn check_error(folder: &Path, case: &Value, expected: &Value) -> Result<String, String> {
    let raised = format!(
        "{}: {}",
        text(expected, "type")?,
        text(expected, "message")?
    );
    let ours = match params(&case["config"]) {
        Err(message) => format!("configuration refused: {message}"),
        Ok(params) => match PoissonCodec::new(&params) {
            Err(e) => format!("configuration refused: {e}"),
            Ok(codec) => {
                let input = sample_type(&array(folder, case, "input")?.samples)?;
                match codec.reference_encoder(input) {
                    Err(e) => format!("{input} samples refused before encoding: {e}"),
                    Ok(_) => return Err(format!("the reference raised {raised}; ours accepted")),
                }
            }
        },
    };
    let reference_message = text(expected, "message")?;
    if ours.contains(reference_message) || ours.contains(text(expected, "type")?) {
        return Err(format!("our error repeats the reference's: {ours}"));
    }
    Ok(format!("the reference raised {raised}; {ours}"))
}

fn sample_type(samples: &Samples) -> Result<DataType, String> {
    samples
        .element()
        .data_type()
        .ok_or_else(|| format!("{} samples", samples.element()))
}

/// The codes the reference stores for `input`.
pub(crate) fn reference_codes(codec: &PoissonCodec, input: &Samples) -> Result<Samples, String> {
    let encoder = codec
        .reference_encoder(sample_type(input)?)
        .map_err(|e| e.to_string())?;
    let mut codes = Samples::zeros(Element::from(encoder.code_type()), input.len());
    let (Some(samples), Some(room)) = (input.sample_slice(), codes.code_slice_mut()) else {
        return Err(format!("{} input", input.element()));
    };
    encoder.encode(samples, room).map_err(|e| e.to_string())?;
    Ok(codes)
}

/// What decoding returns, in `decoded_dtype`.
pub(crate) fn decode(codec: &PoissonCodec, codes: &Samples) -> Result<Samples, String> {
    let mut out = Samples::zeros(Element::from(codec.params().decoded_dtype), codes.len());
    let (Some(codes), Some(room)) = (codes.code_slice(), out.sample_slice_mut()) else {
        return Err(format!(
            "codes of type {} cannot be decoded",
            codes.element()
        ));
    };
    codec.decode(codes, room).map_err(|e| e.to_string())?;
    Ok(out)
}
