//! Values between the datastore's forms (ISO 8601 text, JSON) and Arrow's.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{
    Array, ArrayAccessor, ArrayRef, AsArray, BooleanArray, Date32Array, Float32Array, Float64Array,
    Int8Array, Int16Array, Int32Array, Int64Array, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use serde_json::Value;

use crate::Result;

const EPOCH_DAYS_CE: i32 = 719_163;

/// Days since 1970-01-01 of `yyyy-mm-dd`.
pub(crate) fn parse_date(s: &str) -> Option<i32> {
    let d = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    Some(chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_CE)
}

/// Microseconds since the epoch of `yyyy-mm-ddThh:mm:ss[.ffffff]`.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()?;
    Some(t.and_utc().timestamp_micros())
}

/// `yyyy-mm-dd` of days since the epoch.
pub(crate) fn format_date(days: i32) -> Option<String> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_CE)?)
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// `yyyy-mm-ddThh:mm:ss` (with a fraction when there is one).
pub(crate) fn format_timestamp(micros: i64) -> Option<String> {
    let t = DateTime::from_timestamp_micros(micros)?.naive_utc();
    Some(if t.and_utc().timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    })
}

fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The values of `array` as JSON, as the datastore API writes them:
/// numbers, booleans, dates and timestamps as ISO 8601 text, the rest as
/// text. Nulls are `null`.
pub(crate) fn json_values(array: &ArrayRef) -> Result<Vec<Value>> {
    let n = array.len();
    macro_rules! each {
        ($t:ty, $f:expr) => {{
            let a = array
                .as_any()
                .downcast_ref::<$t>()
                .ok_or_else(|| crate::ColumnarError::Internal("array type".into()))?;
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        $f(a.value(i))
                    }
                })
                .collect()
        }};
    }
    Ok(match array.data_type() {
        DataType::Int64 => each!(Int64Array, Value::from),
        DataType::Int32 => each!(Int32Array, Value::from),
        DataType::Int16 => each!(Int16Array, Value::from),
        DataType::Int8 => each!(Int8Array, Value::from),
        DataType::UInt64 => each!(UInt64Array, Value::from),
        DataType::UInt32 => each!(UInt32Array, Value::from),
        DataType::UInt16 => each!(UInt16Array, Value::from),
        DataType::UInt8 => each!(UInt8Array, Value::from),
        DataType::Float64 => each!(Float64Array, num),
        DataType::Float32 => each!(Float32Array, |v: f32| num(f64::from(v))),
        DataType::Boolean => each!(BooleanArray, Value::from),
        DataType::Date32 => each!(Date32Array, |d| format_date(d)
            .map_or(Value::Null, Value::from)),
        DataType::Timestamp(unit, _) => {
            let micros = cast(array, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
            let a = micros.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
            let _ = unit;
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        format_timestamp(a.value(i)).map_or(Value::Null, Value::from)
                    }
                })
                .collect()
        }
        DataType::Utf8 => texts(array.as_string::<i32>()),
        DataType::Utf8View => texts(array.as_string_view()),
        DataType::Null => vec![Value::Null; n],
        _ => texts(cast(array, &DataType::Utf8)?.as_string::<i32>()),
    })
}

/// The values of a text array as JSON strings (nulls `null`).
fn texts<'a, A: ArrayAccessor<Item = &'a str>>(a: A) -> Vec<Value> {
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                Value::Null
            } else {
                Value::from(a.value(i))
            }
        })
        .collect()
}

/// The datastore type name of an Arrow type (for SQL answers).
pub(crate) fn type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "int",
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            "numeric"
        }
        DataType::Boolean => "bool",
        DataType::Date32 | DataType::Date64 => "date",
        DataType::Timestamp(..) => "timestamp",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_round_trip() {
        for d in ["1970-01-01", "2024-02-29", "1900-12-31", "2099-01-01"] {
            assert_eq!(format_date(parse_date(d).unwrap()).as_deref(), Some(d));
        }
        assert_eq!(parse_date("1970-01-02"), Some(1));
        for t in [
            "2024-02-29T23:59:59",
            "1970-01-01T00:00:00",
            "2024-01-01T10:00:00.250000",
        ] {
            assert_eq!(
                format_timestamp(parse_timestamp(t).unwrap()).as_deref(),
                Some(t)
            );
        }
        assert_eq!(parse_date("31.12.2024"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
