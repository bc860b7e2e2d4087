//! The sample types of the codecs (`anscombe_core::DataType`) and zarrs' data types, both ways.

use anscombe_core::DataType;
use zarrs::array::{DataType as ZarrDataType, data_type};
use zarrs::plugin::ZarrVersion;

/// The codecs' sample type of a zarrs data type; `None` for a type they do not take.
pub fn sample_type(data_type: &ZarrDataType) -> Option<DataType> {
    DataType::from_name(&data_type.name(ZarrVersion::V3)?)
}

/// The zarrs data type of a sample type.
pub fn zarrs_data_type(sample_type: DataType) -> ZarrDataType {
    match sample_type {
        DataType::U8 => data_type::uint8(),
        DataType::I8 => data_type::int8(),
        DataType::U16 => data_type::uint16(),
        DataType::I16 => data_type::int16(),
        DataType::U32 => data_type::uint32(),
        DataType::I32 => data_type::int32(),
        DataType::F32 => data_type::float32(),
        DataType::F64 => data_type::float64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_type_maps_both_ways() {
        for t in DataType::ALL {
            assert_eq!(sample_type(&zarrs_data_type(t)), Some(t));
        }
        assert_eq!(sample_type(&data_type::int64()), None);
        assert_eq!(sample_type(&data_type::bool()), None);
    }
}
