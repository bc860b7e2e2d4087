//! The command line: subcommands and their options.
#![allow(
    clippy::doc_markdown,
    reason = "these comments are --help texts, where backticks would print"
)]

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Calibrate, compress, check and view photon-limited movies (two-photon, light-sheet, X-ray,
/// astronomy) with the Anscombe codec.
///
/// Shot noise makes most of a camera's bits record noise. The Anscombe codec re-quantises each
/// sample to a step of beta (0.5 by default) times its own shot noise, so movies compress several
/// times better than raw (`anscombe demo` shows how much on a bundled movie), with an error of at
/// most about a quarter of the noise. It needs two numbers per camera, the conversion gain
/// (levels per photon) and the zero level, which `calibrate` measures from the movie itself.
///
/// Start with `anscombe demo`, which runs the whole job on a bundled two-photon movie.
#[derive(Debug, Parser)]
#[command(name = "anscombe", version, max_term_width = 100, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success; 1 failure (an unreadable or unsupported input, \
an output that exists without --force, a write that failed); 2 wrong usage (an unknown option, \
or an argument outside its accepted range, found before any work); 3 a check failed (verify \
found errors beyond the bound, or calibrate could not measure a gain from the data).";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the whole job on the bundled two-photon movie: calibrate, encode, verify, report.
    Demo(DemoArgs),
    /// Measure the conversion gain and zero level of a movie (photon transfer), or of dark and
    /// flat frames.
    Calibrate(CalibrateArgs),
    /// Compress a movie into a Zarr store with the Anscombe codec.
    Encode(EncodeArgs),
    /// Convert a movie to photon counts, (level - zero level) / gain, per pixel (float32).
    ///
    /// The gain and zero level come from a calibration (a raster calibration's per-pixel maps,
    /// so pixel groups with different gains all come out in photons), from --gain and
    /// --zero-level, or from map images. The input is read frame batch by frame batch, so
    /// movies larger than memory work.
    Photons(crate::photons::PhotonsArgs),
    /// Decompress a store (or a range of its frames) to TIFF or NPY.
    Decode(DecodeArgs),
    /// Describe a store: shape, chunks, codec pipeline, parameters, sizes, ratio.
    Info(InfoArgs),
    /// Compare a store with the movie it came from: error in photons, against the spec's bound.
    ///
    /// Every sample is compared, chunk row by chunk row on all cores. The check fails (exit 3)
    /// when a sample's error is beyond the bound; when more than 0.1 % of the samples were
    /// outside the codec's domain and clamped to its ends (unless --allow-clipping); when the
    /// codec gives every level of the sample type one code (an absurd gain), losing samples; or
    /// when no sample was inside the domain. The report says how many samples and where the
    /// first and last are ([frame, row, column]).
    Verify(VerifyArgs),
    /// Build a multiscale pyramid (OME-Zarr 0.5) of a movie or volume, for viewers.
    ///
    /// Writes a Zarr V3 group: array 0 is the input at full resolution (with the Anscombe codec
    /// if --anscombe), arrays 1, 2, ... pool blocks of --factors samples of the level before,
    /// with standard codecs only so that any OME-Zarr viewer shows them. Averages of integers
    /// are exact (tinybrain's arithmetic); blocks that run past an edge repeat its last sample.
    /// The input is read frame batch by frame batch, so movies larger than memory work.
    Pyramid(PyramidArgs),
    /// Estimate the static background of a movie with moving objects (dcnum's methods).
    ///
    /// The sparse median (default) computes one median image every --split-time seconds over
    /// --kernel-size frames, drops images taken while an object sat in view, and maps every
    /// frame to its nearest image plus a flicker offset: a small group with `image_bg`,
    /// `bg_idx` and `bg_off`. The rolling median gives every frame the median of the next
    /// --kernel-size frames (`image_bg` per frame). Both stream: memory holds one kernel of
    /// frames, not the movie.
    ///
    /// Movies of any integer or float type work: medians are taken and stored in the movie's
    /// own type, exactly (dcnum copies every movie into uint8, wrapping other types); bool
    /// movies are read as uint8 and 64-bit integers as float64 (refused beyond 2^53). The
    /// corrected movie is float32, or float64 for 32- and 64-bit samples. The report says which.
    Background(BackgroundArgs),
    /// Calibrate a detector's pixel response from a beam sweep, and correct ring artefacts.
    #[command(subcommand)]
    Detector(DetectorCommand),
    /// Apply one codec to one array, for scripting and conformance.
    #[command(subcommand)]
    Codec(CodecCommand),
}

/// Where a movie comes from. TIFF (classic or BigTIFF, multi-page, ImageJ and ScanImage),
/// NPY, an HDF5 dataset, a Zarr array, or raw binary with `--shape` and `--dtype`.
#[derive(Debug, Clone, Args)]
pub(crate) struct InputArgs {
    /// The movie: a .tif/.tiff stack, a .npy array, an HDF5 dataset (file.h5:/group/dataset;
    /// the dataset may be left out when the file holds only one), a .zarr store, or a raw file.
    pub(crate) input: PathBuf,
    /// Shape of a raw file, frames first: `500,512,512`.
    #[arg(long, value_delimiter = ',', requires = "dtype")]
    pub(crate) shape: Option<Vec<usize>>,
    /// Sample type of a raw file: uint8, int8, uint16, int16, uint32, int32, float32, float64.
    #[arg(long, requires = "shape")]
    pub(crate) dtype: Option<String>,
    /// Bytes to skip at the start of a raw file.
    #[arg(long, default_value_t = 0, requires = "shape")]
    pub(crate) offset: u64,
    /// A raw file's samples are big-endian.
    #[arg(long, requires = "shape")]
    pub(crate) big_endian: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Folder for the demo's outputs (the store, the calibration, the plot).
    #[arg(long, default_value = "target/anscombe-demo")]
    pub(crate) output: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Estimator for `calibrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    /// Robust photon-transfer fit over pixels, cross-fitted against regression dilution (default).
    PhotonTransfer,
    /// The Python anscombe-transform 1.0.0 estimator, step for step (compute_conversion_gain,
    /// which is poisson-numcodecs' sequential calibration).
    Reference,
    /// Each pixel's mean and variance over time, one line per pixel group (--groups): a gain
    /// and zero level for each detector or amplifier setting, and which pixel has which
    /// (poisson-numcodecs' raster calibration, without its random restarts).
    Raster,
}

// `calibrate` measures a movie (INPUT), or dark and flat stacks (--darks, --flats) instead.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["input", "darks"])))]
pub(crate) struct CalibrateArgs {
    #[command(flatten)]
    pub(crate) input: Option<InputArgs>,
    /// Estimator.
    #[arg(long, value_enum, default_value_t = Method::PhotonTransfer)]
    pub(crate) method: Method,
    /// Count weights of the reference estimator's regression, `counts^gamma`.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) gamma: f64,
    /// Dark frames (no light), instead of a movie: with --flats, gain, zero level and read noise
    /// from darks and flats. Each flat frame is scaled to its stack's mean light above the darks
    /// before the variances are taken, so a source that flickers from frame to frame does not
    /// inflate the gain.
    #[arg(
        long,
        requires = "flats",
        conflicts_with_all = ["input", "method", "gamma", "saturation"]
    )]
    pub(crate) darks: Option<PathBuf>,
    /// Flat frames (uniform light), one stack per intensity; repeat for several intensities.
    /// Their frames must be the darks' size.
    #[arg(long, requires = "darks")]
    pub(crate) flats: Vec<PathBuf>,
    /// Samples at or above this level count as saturated (besides those found automatically).
    #[arg(long)]
    pub(crate) saturation: Option<f64>,
    /// Draw the photon-transfer curve to this .png or .svg (with --method raster: each pixel's
    /// variance against its mean, coloured by group, beside the group map).
    #[arg(long)]
    pub(crate) plot: Option<PathBuf>,
    /// Save the calibration as JSON (for `encode --calibration` and `photons --calibration`).
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// Replace existing output files.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) raster: crate::calibrate_raster::RasterArgs,
}

/// Codec identity of `encode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum CodecName {
    /// The fuller codec of our spec: every sample type, beta in (0, 1], strict checks (default).
    #[default]
    AnscombeTransform,
    /// What zarr-python's anscombe-transform 1.0.0 writes: for stores Python users must open today.
    AnscombeV1,
    /// poisson-numcodecs 0.1.0's `poisson` filter (lookup mode; uint8 codes, uint16 when uint8
    /// would wrap): for Python users of that package. Configurations with which it would lose
    /// data are refused.
    Poisson,
}

/// The elementwise Anscombe codecs: the identities `pyramid` writes (its OME-Zarr writer takes
/// no `poisson`, poisson-numcodecs' single-array filter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum AnscombeCodecName {
    /// The fuller codec of our spec: every sample type, beta in (0, 1], strict checks (default).
    #[default]
    AnscombeTransform,
    /// What zarr-python's anscombe-transform 1.0.0 writes: for stores Python users must open today.
    AnscombeV1,
}

impl From<AnscombeCodecName> for CodecName {
    fn from(name: AnscombeCodecName) -> Self {
        match name {
            AnscombeCodecName::AnscombeTransform => CodecName::AnscombeTransform,
            AnscombeCodecName::AnscombeV1 => CodecName::AnscombeV1,
        }
    }
}

impl CodecName {
    /// The elementwise Anscombe codec named, or `None` for `poisson`.
    pub(crate) fn anscombe(self) -> Option<AnscombeCodecName> {
        match self {
            CodecName::AnscombeTransform => Some(AnscombeCodecName::AnscombeTransform),
            CodecName::AnscombeV1 => Some(AnscombeCodecName::AnscombeV1),
            CodecName::Poisson => None,
        }
    }
}

/// Zarr format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Zarr V3 (zarr.json).
    V3,
    /// Zarr V2 (.zarray), for readers that know only V2.
    V2,
}

/// Byte compressor after the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompressorName {
    /// Zstandard (default level 3).
    Zstd,
    /// Blosc with zstd and bit shuffle (default level 5).
    Blosc,
    /// pcodec, Zarr V3 only (default level 8).
    Pcodec,
    /// anscombe-context: our context-modelling entropy coder, the best ratio on photon-limited
    /// movies (Zarr V3 only, no level; readers need the anscombe plugin).
    Context,
    /// No compression: the raw codes.
    None,
}

/// Where the codec's gain and zero level come from, and which codec (`C`: the identities the
/// command can write).
#[derive(Debug, Clone, Args)]
pub(crate) struct AnscombeArgs<C = CodecName>
where
    C: ValueEnum + Default + Copy + Send + Sync + 'static,
{
    /// Conversion gain, levels per photon (with --zero-level; otherwise --calibration, or a
    /// calibration of the input made on the fly).
    #[arg(
        long,
        requires = "zero_level",
        conflicts_with = "calibration",
        allow_hyphen_values = true
    )]
    pub(crate) gain: Option<f64>,
    /// Zero level, the level at zero photons.
    #[arg(long, requires = "gain", allow_hyphen_values = true)]
    pub(crate) zero_level: Option<f64>,
    /// A calibration saved by `anscombe calibrate --output`.
    #[arg(long)]
    pub(crate) calibration: Option<PathBuf>,
    /// Codec identity.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) codec: C,
    /// Code step in shot-noise standard deviations, in (0, 1] (anscombe-transform only).
    #[arg(long, default_value_t = 0.5)]
    pub(crate) beta: f64,
}

/// The byte compressor and its level.
#[derive(Debug, Clone, Args)]
pub(crate) struct CompressorArgs {
    /// Byte compressor.
    #[arg(long, value_enum, default_value_t = CompressorName::Zstd)]
    pub(crate) compressor: CompressorName,
    /// Compression level (default: zstd 3, blosc 5, pcodec 8).
    #[arg(long)]
    pub(crate) level: Option<i32>,
}

/// Parses a code type by its numpy name, listing the names in `--help`.
fn code_type_parser() -> impl clap::builder::TypedValueParser<Value = anscombe_core::CodeType> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(
        anscombe_core::CodeType::ALL.map(anscombe_core::CodeType::name),
    )
    .try_map(|name| anscombe_core::CodeType::from_name(&name).ok_or("not a code type"))
}

#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The store to write (a folder, conventionally ending in .zarr).
    pub(crate) output: PathBuf,
    #[command(flatten)]
    pub(crate) codec: AnscombeArgs,
    /// Zarr format.
    #[arg(long, value_enum, default_value_t = Format::V3)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) compression: CompressorArgs,
    /// Chunk shape, frames first: `8,512,512` (default: whole frames, about 2 MB a chunk).
    #[arg(long, value_delimiter = ',')]
    pub(crate) chunks: Option<Vec<u64>>,
    /// Type of the stored codes: any integer type of at most 32 bits, signed or not (poisson:
    /// unsigned only). Default: for anscombe-transform, the narrowest unsigned type that holds
    /// the code of the input type's highest level; for anscombe-v1 and poisson, uint8, or
    /// uint16 where uint8 would lose data. The report says which was chosen and why. A type
    /// too narrow is refused (anscombe-transform names the one that fits).
    #[arg(long, value_parser = code_type_parser())]
    pub(crate) encoded_dtype: Option<anscombe_core::CodeType>,
    /// Replace an existing store.
    #[arg(long)]
    pub(crate) force: bool,
    /// Encode even when more than 0.1 % of the samples are outside the codec's domain (below
    /// its lowest level, or above anscombe-v1's 32767) and are clamped to its ends; without
    /// it, such a movie is refused (a wrong zero level or gain, or a saturated movie) and any
    /// clamping is reported.
    #[arg(long)]
    pub(crate) allow_clipping: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// The store to read.
    pub(crate) store: PathBuf,
    /// The file to write: .tif/.tiff or .npy.
    pub(crate) output: PathBuf,
    /// Frames to decode, `first..end` (end excluded) or `first..`; all by default.
    #[arg(long)]
    pub(crate) frames: Option<String>,
    /// Replace an existing output file.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// The store to describe.
    pub(crate) store: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The store made from the input.
    pub(crate) store: PathBuf,
    /// Pass even when more than 0.1 % of the samples were clamped into the codec's domain
    /// (a store written with `encode --allow-clipping`); they are still counted and located.
    #[arg(long)]
    pub(crate) allow_clipping: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CodecCommand {
    /// Encode an NPY array into codes.
    Encode(CodecArgs),
    /// Decode an NPY array of codes.
    Decode(CodecArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CodecArgs {
    /// The codec's Zarr V3 metadata object (anscombe-v1, anscombe-transform or poisson), e.g.
    /// '{"name": "anscombe-v1", "configuration": {"zero_level": 100, "conversion_gain": 40.0}}'
    /// or '{"name": "poisson", "configuration": {"dark_signal": 50, "photon_sensitivity": 20.0}}'.
    #[arg(long)]
    pub(crate) codec: String,
    /// Sample type of the decoded array (decode only; default: the codec's decoded_dtype, else
    /// int16; poisson always decodes to its decoded_dtype).
    #[arg(long)]
    pub(crate) dtype: Option<String>,
    /// The array to read (.npy).
    pub(crate) input: PathBuf,
    /// The array to write (.npy).
    pub(crate) output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Pooling method of `pyramid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PoolingName {
    /// Mean of each block (images; integer-exact, as tinybrain).
    Average,
    /// Most frequent value of each block (label images).
    Mode,
    /// Largest value of each block.
    Max,
    /// Smallest value of each block.
    Min,
    /// The first sample of each block.
    Stride,
}

/// `pyramid`: an OME-Zarr multiscale image of a movie or volume.
#[derive(Debug, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "command-line switches, each its own flag"
)]
pub(crate) struct PyramidArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The image to write (a folder, conventionally ending in .ome.zarr).
    pub(crate) output: PathBuf,
    /// How a block becomes one sample.
    #[arg(long, value_enum, default_value_t = PoolingName::Average)]
    pub(crate) method: PoolingName,
    /// Pooling factor per axis, e.g. `1,2,2` (default: 2 along space axes, 1 along t and c).
    #[arg(long, value_delimiter = ',')]
    pub(crate) factors: Option<Vec<usize>>,
    /// Downsampled levels (default: enough to bring every pooled space axis to 256 samples or
    /// fewer, and at least one while the image can still shrink).
    #[arg(long)]
    pub(crate) levels: Option<usize>,
    /// Axis names, time first, then channel, then space: `t,y,x`, `z,y,x`, `t,c,z,y,x`
    /// (default: `y,x`, `t,y,x`, `t,z,y,x` or `t,c,z,y,x` by the number of axes).
    #[arg(long, value_delimiter = ',')]
    pub(crate) axes: Option<Vec<String>>,
    /// Size of a full-resolution sample along each axis: seconds for t, micrometers for space
    /// axes (default: 1 each).
    #[arg(long, value_delimiter = ',')]
    pub(crate) scale: Option<Vec<f64>>,
    /// Zeros are background: averages leave them out, mode pooling lets labels win over them.
    #[arg(long)]
    pub(crate) sparse: bool,
    /// Store level 0 with the Anscombe codec (gain and zero level as for `encode`).
    #[arg(long)]
    pub(crate) anscombe: bool,
    #[command(flatten)]
    pub(crate) codec: AnscombeArgs<AnscombeCodecName>,
    #[command(flatten)]
    pub(crate) compression: CompressorArgs,
    /// Replace an existing image.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Background method of `background`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackgroundName {
    /// One median image every --split-time seconds over --kernel-size frames, cleansed, with
    /// a per-frame index and flicker offset (dcnum's sparsemed; default kernel 200).
    SparseMedian,
    /// A median over the next --kernel-size frames for every frame (dcnum's rollmed; default
    /// kernel 100).
    RollingMedian,
}

/// `background`: the background of a movie with a static scene and moving objects.
#[derive(Debug, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "command-line switches, each its own flag"
)]
pub(crate) struct BackgroundArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Where to write the background (a Zarr V3 group; default: beside the input, named
    /// `<input>.background.zarr`).
    pub(crate) output: Option<PathBuf>,
    /// Method.
    #[arg(long, value_enum, default_value_t = BackgroundName::SparseMedian)]
    pub(crate) method: BackgroundName,
    /// Frames per median (default: 200 for the sparse median, 100 for the rolling median).
    #[arg(long)]
    pub(crate) kernel_size: Option<usize>,
    /// Seconds between background images (sparse median).
    #[arg(long, default_value_t = 1.0)]
    pub(crate) split_time: f64,
    /// Cleansing threshold factor; 0 removes the fixed fraction 1 - --frac-cleansing instead
    /// (sparse median).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) thresh_cleansing: f64,
    /// Fraction of background images that must survive cleansing; 1 disables cleansing
    /// (sparse median).
    #[arg(long, default_value_t = 0.8)]
    pub(crate) frac_cleansing: f64,
    /// Skip the per-frame flicker offset (sparse median).
    #[arg(long)]
    pub(crate) no_offset_correction: bool,
    /// Frame rate, frames per second (sparse median; without it or --times, dcnum's guess of
    /// 2400 frames per second is used, which is rarely right).
    #[arg(long, conflicts_with = "times")]
    pub(crate) fps: Option<f64>,
    /// The time of every frame in seconds, a 1-D .npy file (sparse median).
    #[arg(long)]
    pub(crate) times: Option<PathBuf>,
    /// Also write the corrected movie (frame minus its background, float32) to this Zarr store.
    #[arg(long)]
    pub(crate) corrected: Option<PathBuf>,
    /// Replace existing outputs.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `detector`: pixel-wise response calibration and ring correction.
#[derive(Debug, Subcommand)]
pub(crate) enum DetectorCommand {
    /// Fit every pixel's response to a beam sweep (frames at increasing intensity).
    ///
    /// The sweep, minus the dark image, is smoothed with a Gaussian of --sigma pixels (SciPy's
    /// filter, edges repeated) to estimate the true intensity; each pixel's coefficient is the
    /// least-squares slope through the origin of smoothed against measured, over the frames whose
    /// smoothed value is above --cutoff. Writes a Zarr group with the coefficients, their R², the
    /// points used and a bad-pixel map. Reads the sweep frame batch by frame batch.
    Fit(DetectorFitArgs),
    /// Correct images with the coefficients: (image - dark) * coefficients, divided by the
    /// smoothed flat, with optional residual correction. Streams any stack size to Zarr, TIFF
    /// or NPY.
    Correct(DetectorCorrectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DetectorFitArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Where to write the calibration (a Zarr group, conventionally ending in .zarr).
    #[arg(long, short)]
    pub(crate) output: PathBuf,
    /// Dark image (or a stack of darks, averaged) subtracted from every sweep frame.
    #[arg(long)]
    pub(crate) dark: Option<PathBuf>,
    /// Standard deviation of the smoothing Gaussian, pixels.
    #[arg(long, default_value_t = 50.0)]
    pub(crate) sigma: f64,
    /// The Gaussian is cut at this many standard deviations.
    #[arg(long, default_value_t = 4.0)]
    pub(crate) truncate: f64,
    /// Smoothed values at or below this are left out (outside the linear range).
    #[arg(long, default_value_t = 300.0, allow_hyphen_values = true)]
    pub(crate) cutoff: f64,
    /// Pixels whose fit explains less of their variance than this are marked bad.
    #[arg(long, default_value_t = 0.98)]
    pub(crate) min_r_squared: f64,
    /// Draw the coefficient map to this .png or .svg.
    #[arg(long)]
    pub(crate) plot: Option<PathBuf>,
    /// Replace existing outputs.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Sample type of corrected images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FloatName {
    /// Single precision (half the storage; 7 significant digits).
    Float32,
    /// Double precision, as detectorcal returns.
    Float64,
}

#[derive(Debug, Args)]
pub(crate) struct DetectorCorrectArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The corrected stack: a .zarr store, or .tif/.npy.
    pub(crate) output: PathBuf,
    /// The calibration from `detector fit` (a .zarr group), or a coefficient image (.npy, .tif).
    #[arg(long)]
    pub(crate) calibration: PathBuf,
    /// Dark image (or a stack, averaged).
    #[arg(long)]
    pub(crate) dark: Option<PathBuf>,
    /// Flat-field image (or a stack, averaged): corrected images are divided by it, smoothed.
    #[arg(long)]
    pub(crate) flat: Option<PathBuf>,
    /// Residual correction: where flat * coefficients departs from the smoothed flat by at least
    /// this many standard deviations of the difference, divide by it instead (needs --flat).
    #[arg(long, requires = "flat")]
    pub(crate) residual_sigma: Option<f64>,
    /// Standard deviation of the flat's smoothing, pixels (use the fit's --sigma).
    #[arg(long, default_value_t = 50.0)]
    pub(crate) smooth_radius: f64,
    /// Sample type of the output.
    #[arg(long, value_enum, default_value_t = FloatName::Float32)]
    pub(crate) output_type: FloatName,
    /// Draw the mean over rows of the first frame before and after correction (.png or .svg).
    #[arg(long)]
    pub(crate) plot: Option<PathBuf>,
    /// Replace existing outputs.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
