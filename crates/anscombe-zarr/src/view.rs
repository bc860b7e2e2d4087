//! Chunk bytes seen as typed slices: zarrs hands codecs native-endian bytes with no alignment
//! promise, so a view is taken in place when the bytes are aligned and through a copy when not.

use anscombe_core::{CodeSlice, CodeSliceMut, CodeType, DataType, SampleSlice, SampleSliceMut};
use bytemuck::Pod;
use zarrs::array::codec::api::CodecError;

/// `bytes / size`, or an error saying the chunk is cut.
pub(crate) fn whole_elements(bytes: usize, size: usize, what: &str) -> Result<usize, CodecError> {
    if bytes.is_multiple_of(size) {
        Ok(bytes / size)
    } else {
        Err(CodecError::Other(format!(
            "{bytes} bytes are not a whole number of {size}-byte {what}: the chunk is truncated or corrupt"
        )))
    }
}

/// Calls `f` with `bytes` viewed as `T`s: in place when aligned, through a copy otherwise.
pub(crate) fn view<T: Pod, R>(bytes: &[u8], f: impl FnOnce(&[T]) -> R) -> Result<R, CodecError> {
    whole_elements(bytes.len(), size_of::<T>(), "elements")?;
    Ok(match bytemuck::try_cast_slice(bytes) {
        Ok(typed) => f(typed),
        Err(_) => f(&bytemuck::pod_collect_to_vec::<u8, T>(bytes)),
    })
}

/// Calls `f` with `bytes` viewed as mutable `T`s: in place when aligned, through a copy
/// written back otherwise.
fn view_mut<T: Pod, R>(bytes: &mut [u8], f: impl FnOnce(&mut [T]) -> R) -> Result<R, CodecError> {
    whole_elements(bytes.len(), size_of::<T>(), "elements")?;
    if let Ok(typed) = bytemuck::try_cast_slice_mut(bytes) {
        return Ok(f(typed));
    }
    let mut typed = bytemuck::pod_collect_to_vec::<u8, T>(bytes);
    let result = f(&mut typed);
    bytes.copy_from_slice(bytemuck::cast_slice(&typed));
    Ok(result)
}

/// Views bytes as the typed slice enum of a runtime type tag, read-only and mutable.
macro_rules! typed_views {
    ($name:ident, $name_mut:ident, $tag:ty, $slice:ident, $slice_mut:ident, $($variant:ident => $t:ty),*) => {
        /// Calls `f` with the bytes viewed as the slice of `tag`'s type.
        pub(crate) fn $name<R>(tag: $tag, bytes: &[u8], f: impl FnOnce($slice<'_>) -> R) -> Result<R, CodecError> {
            match tag { $(<$tag>::$variant => view::<$t, R>(bytes, |s| f($slice::$variant(s))),)* }
        }
        /// Calls `f` with the bytes viewed as the mutable slice of `tag`'s type.
        pub(crate) fn $name_mut<R>(tag: $tag, bytes: &mut [u8], f: impl FnOnce($slice_mut<'_>) -> R) -> Result<R, CodecError> {
            match tag { $(<$tag>::$variant => view_mut::<$t, R>(bytes, |s| f($slice_mut::$variant(s))),)* }
        }
    };
}

typed_views!(with_samples, with_samples_mut, DataType, SampleSlice, SampleSliceMut,
    U8 => u8, I8 => i8, U16 => u16, I16 => i16, U32 => u32, I32 => i32, F32 => f32, F64 => f64);
typed_views!(with_codes, with_codes_mut, CodeType, CodeSlice, CodeSliceMut,
    U8 => u8, I8 => i8, U16 => u16, I16 => i16, U32 => u32, I32 => i32);

/// The native-endian bytes of one code (a fill value's), wrapped into the code type as a
/// NumPy cast would; callers pass codes that fit.
pub(crate) fn code_ne_bytes(code_type: CodeType, code: i64) -> Vec<u8> {
    match code_type {
        CodeType::U8 => vec![code as u8],
        CodeType::I8 => (code as i8).to_ne_bytes().to_vec(),
        CodeType::U16 => (code as u16).to_ne_bytes().to_vec(),
        CodeType::I16 => (code as i16).to_ne_bytes().to_vec(),
        CodeType::U32 => (code as u32).to_ne_bytes().to_vec(),
        CodeType::I32 => (code as i32).to_ne_bytes().to_vec(),
    }
}

/// One chunk's samples (native-endian bytes of `sample`) through `encode` into a fresh buffer
/// of as many `code` codes. The outer error is a chunk that is not whole samples, the inner
/// one `encode`'s.
pub(crate) fn encode_with<E>(
    samples: &[u8],
    sample: DataType,
    code: CodeType,
    encode: impl FnOnce(SampleSlice<'_>, CodeSliceMut<'_>) -> Result<(), E>,
) -> Result<Result<Vec<u8>, E>, CodecError> {
    let count = whole_elements(samples.len(), sample.size(), "samples")?;
    let mut codes = vec![0u8; count * code.data_type().size()];
    let outcome = with_samples(sample, samples, |samples| {
        with_codes_mut(code, &mut codes, |codes| encode(samples, codes))
    })??;
    Ok(outcome.map(|()| codes))
}

/// One chunk's codes (native-endian bytes of `code`) through `decode` into a fresh buffer of
/// as many `sample` samples; errors as [`encode_with`].
pub(crate) fn decode_with<E>(
    codes: &[u8],
    code: CodeType,
    sample: DataType,
    decode: impl FnOnce(CodeSlice<'_>, SampleSliceMut<'_>) -> Result<(), E>,
) -> Result<Result<Vec<u8>, E>, CodecError> {
    let count = whole_elements(codes.len(), code.data_type().size(), "codes")?;
    let mut samples = vec![0u8; count * sample.size()];
    let outcome = with_codes(code, codes, |codes| {
        with_samples_mut(sample, &mut samples, |samples| decode(codes, samples))
    })??;
    Ok(outcome.map(|()| samples))
}

/// The first value of a slice (a fill value's), as a float.
pub(crate) fn first_value(samples: SampleSlice<'_>) -> Option<f64> {
    match samples {
        SampleSlice::U8(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::I8(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::U16(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::I16(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::U32(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::I32(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::F32(s) => s.first().map(|&v| f64::from(v)),
        SampleSlice::F64(s) => s.first().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misaligned_bytes_are_viewed_through_a_copy() {
        let values: Vec<u16> = vec![1, 2, 300, 65_535];
        let mut padded = vec![0u8];
        padded.extend(values.iter().flat_map(|v| v.to_ne_bytes()));
        let sum = |s: &[u16]| s.iter().map(|&v| u32::from(v)).sum::<u32>();
        assert_eq!(view::<u16, _>(&padded[1..], sum).expect("whole"), 65_838);
        assert!(
            view::<u16, _>(&padded[1..4], sum).is_err_and(|e| e.to_string().contains("truncated"))
        );
        let mut bytes = padded.clone();
        view_mut::<u16, _>(&mut bytes[1..], |s| s[0] = 7).expect("whole");
        assert_eq!(u16::from_ne_bytes([bytes[1], bytes[2]]), 7, "written back");
    }
}
