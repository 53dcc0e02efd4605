//! Writing a table file: typed rows ([`RowBatch`]es from the ingest) as
//! Arrow record batches into one Parquet file, a row group at a time, so
//! memory holds one row group whatever the file's size.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use misto_core::datastore::{CellRef, Field, FieldType, ID_COLUMN, RowBatch};

use crate::convert::{parse_date, parse_timestamp};
use crate::{ColumnarError, Result};

/// Rows per row group: the unit of pruning by statistics and of parallel
/// scans (a million-row table has 16).
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// The hidden column of a row's analysed terms.
pub(crate) const FULL_TEXT: &str = "_full_text";
/// The hidden column of a row's values that did not fit their type.
pub(crate) const MISFITS: &str = "_misfits";

/// The Arrow type of a datastore column type.
pub(crate) fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Int => DataType::Int64,
        FieldType::Numeric => DataType::Float64,
        FieldType::Bool => DataType::Boolean,
        FieldType::Date => DataType::Date32,
        FieldType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        FieldType::Text => DataType::Utf8,
    }
}

/// The schema of a table file with `fields`: `_id`, `_full_text`,
/// `_misfits`, then the fields.
pub fn arrow_schema(fields: &[Field]) -> SchemaRef {
    let mut cols = Vec::with_capacity(fields.len() + 3);
    cols.push(ArrowField::new(ID_COLUMN, DataType::Int64, false));
    cols.push(ArrowField::new(FULL_TEXT, DataType::Utf8, true));
    cols.push(ArrowField::new(MISFITS, DataType::Utf8, true));
    for f in fields {
        cols.push(ArrowField::new(&f.id, arrow_type(f.ty), true));
    }
    Arc::new(Schema::new(cols))
}

enum Col {
    Int(Int64Builder),
    Num(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Time(TimestampMicrosecondBuilder),
    Text(StringBuilder),
}

impl Col {
    fn new(ty: FieldType, rows: usize) -> Col {
        match ty {
            FieldType::Int => Col::Int(Int64Builder::with_capacity(rows)),
            FieldType::Numeric => Col::Num(Float64Builder::with_capacity(rows)),
            FieldType::Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
            FieldType::Date => Col::Date(Date32Builder::with_capacity(rows)),
            FieldType::Timestamp => Col::Time(TimestampMicrosecondBuilder::with_capacity(rows)),
            FieldType::Text => Col::Text(StringBuilder::with_capacity(rows, rows * 16)),
        }
    }

    fn push(&mut self, c: CellRef<'_>) {
        match (self, c) {
            (Col::Int(b), CellRef::Int(v)) => b.append_value(v),
            (Col::Int(b), _) => b.append_null(),
            (Col::Num(b), CellRef::Num(v)) if v.is_finite() => b.append_value(v),
            (Col::Num(b), CellRef::Int(v)) => b.append_value(v as f64),
            (Col::Num(b), _) => b.append_null(),
            (Col::Bool(b), CellRef::Bool(v)) => b.append_value(v),
            (Col::Bool(b), _) => b.append_null(),
            (Col::Date(b), CellRef::Text(t)) => b.append_option(parse_date(t)),
            (Col::Date(b), _) => b.append_null(),
            (Col::Time(b), CellRef::Text(t)) => b.append_option(parse_timestamp(t)),
            (Col::Time(b), _) => b.append_null(),
            (Col::Text(b), CellRef::Text(t)) => b.append_value(t),
            (Col::Text(b), CellRef::Int(v)) => b.append_value(v.to_string()),
            (Col::Text(b), CellRef::Num(v)) => b.append_value(v.to_string()),
            (Col::Text(b), CellRef::Bool(v)) => b.append_value(if v { "true" } else { "false" }),
            (Col::Text(b), CellRef::Null) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Int(b) => Arc::new(b.finish()),
            Col::Num(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
            Col::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Writes one table file. Rows get `_id` 1, 2, 3... in the order pushed.
pub struct TableWriter<W: std::io::Write + Send> {
    schema: SchemaRef,
    types: Vec<FieldType>,
    writer: ArrowWriter<W>,
    next_id: i64,
}

impl<W: std::io::Write + Send> TableWriter<W> {
    /// A writer of a table with `fields` into `out`.
    pub fn new(out: W, fields: &[Field]) -> Result<Self> {
        let schema = arrow_schema(fields);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))?;
        Ok(TableWriter {
            schema,
            types: fields.iter().map(|f| f.ty).collect(),
            writer,
            next_id: 1,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> i64 {
        self.next_id - 1
    }

    /// Appends the rows of `batch` (its width must be the table's).
    pub fn push(&mut self, batch: &RowBatch) -> Result<()> {
        if batch.width() != self.types.len() {
            return Err(ColumnarError::Internal(format!(
                "a batch of {} columns for a table of {}",
                batch.width(),
                self.types.len()
            )));
        }
        let n = batch.len();
        if n == 0 {
            return Ok(());
        }
        let mut ids = Int64Builder::with_capacity(n);
        let mut text = StringBuilder::with_capacity(n, batch.text_len() / 2);
        let mut misfits = StringBuilder::with_capacity(n, 0);
        let mut cols: Vec<Col> = self.types.iter().map(|t| Col::new(*t, n)).collect();
        for row in batch.rows() {
            ids.append_value(self.next_id);
            self.next_id += 1;
            text.append_value(row.full_text);
            misfits.append_option(row.misfits);
            for (col, cell) in cols.iter_mut().zip(row.cells()) {
                col.push(cell);
            }
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.len() + 3);
        arrays.push(Arc::new(ids.finish()));
        arrays.push(Arc::new(text.finish()));
        arrays.push(Arc::new(misfits.finish()));
        arrays.extend(cols.iter_mut().map(Col::finish));
        let rb = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&rb)?;
        Ok(())
    }

    /// Ends the file (footer, statistics) and returns the rows written.
    pub fn finish(self) -> Result<i64> {
        let rows = self.rows();
        self.writer.close()?;
        Ok(rows)
    }

    /// Ends the file and hands back the output and the rows written.
    pub fn finish_into(self) -> Result<(W, i64)> {
        let rows = self.rows();
        let out = self.writer.into_inner()?;
        Ok((out, rows))
    }
}

/// A Parquet file of rows given as JSON values (a dump of a query's
/// answer, whichever engine gave it): `fields` are the columns, with
/// their datastore types.
pub struct ParquetExport<W: std::io::Write + Send> {
    schema: SchemaRef,
    types: Vec<FieldType>,
    writer: ArrowWriter<W>,
}

impl<W: std::io::Write + Send> ParquetExport<W> {
    pub fn new(out: W, fields: &[Field]) -> Result<Self> {
        let cols: Vec<ArrowField> = fields
            .iter()
            .map(|f| ArrowField::new(&f.id, arrow_type(f.ty), true))
            .collect();
        let schema = Arc::new(Schema::new(cols));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))?;
        Ok(ParquetExport {
            schema,
            types: fields.iter().map(|f| f.ty).collect(),
            writer,
        })
    }

    /// Appends rows (values in field order).
    pub fn push(&mut self, rows: &[Vec<serde_json::Value>]) -> Result<()> {
        use serde_json::Value;
        if rows.is_empty() {
            return Ok(());
        }
        let mut cols: Vec<Col> = self
            .types
            .iter()
            .map(|t| Col::new(*t, rows.len()))
            .collect();
        for row in rows {
            for (i, col) in cols.iter_mut().enumerate() {
                let v = row.get(i).unwrap_or(&Value::Null);
                let text;
                let cell = match v {
                    Value::Null => CellRef::Null,
                    Value::Bool(b) => CellRef::Bool(*b),
                    Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                        (Some(i), _) if !matches!(col, Col::Num(_)) => CellRef::Int(i),
                        (_, Some(f)) => CellRef::Num(f),
                        _ => CellRef::Null,
                    },
                    Value::String(s) => CellRef::Text(s),
                    other => {
                        text = other.to_string();
                        CellRef::Text(&text)
                    }
                };
                col.push(cell);
            }
        }
        let arrays: Vec<ArrayRef> = cols.iter_mut().map(Col::finish).collect();
        let rb = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&rb)?;
        Ok(())
    }

    /// Ends the file and hands back the output.
    pub fn finish(self) -> Result<W> {
        Ok(self.writer.into_inner()?)
    }
}
