//! numcodecs' `crc32c` checksum codec in Zarr V2 metadata, the last filter of this crate's V2
//! stores without zstd. zarrs 0.23 implements it for Zarr V2 (`Crc32cCodec` reads the
//! numcodecs configuration) but registers it for Zarr V3 only, so a V2 array naming it would
//! not open: it is registered here.

use zarrs::array::codec::Crc32cCodec;
use zarrs::array::codec::api::CodecPluginV2;

inventory::submit! { CodecPluginV2::new::<Crc32cCodec>() }
