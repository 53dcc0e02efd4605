//! The Resolution 835 list in force: the built-in list
//! (`misto_core::resolution835`) until a sysadmin imports a CSV of the same
//! shape (`number,name_uk,name_en,category,update_frequency[,source]`),
//! which replaces it in the `resolution835_items` table. Every instance
//! keeps the list in memory and reloads it when the catalog version moves
//! (an import bumps it).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use misto_core::resolution835::{self, ListItem};
use misto_core::time::now;
use misto_core::{FieldErrors, Timestamp, UpdateFrequency, Viewer};

use crate::{ActionError, Portal, Result};

/// Why anyone but a sysadmin is refused an import.
const SYSADMINS_ONLY: &str = "only sysadmins replace the Resolution 835 list";

/// Largest CSV accepted for an import.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// The columns an import must have; `name_en`, `category`,
/// `update_frequency` and `source` may be there too.
pub const REQUIRED_COLUMNS: [&str; 2] = ["number", "name_uk"];

/// Longest item number accepted (e.g. `OMS-57`).
const ID_MAX: usize = 32;

/// The list in force, as shown to the pages and the API.
#[derive(Debug, Clone)]
pub struct List {
    pub items: Arc<Vec<ListItem>>,
    /// When the list was imported; `None` for the built-in list.
    pub imported: Option<Timestamp>,
}

impl List {
    pub fn find(&self, id: &str) -> Option<&ListItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// The cached list and the catalog version it was read at.
#[derive(Debug)]
pub(crate) struct ListCache {
    list: RwLock<List>,
    version: AtomicI64,
}

impl Default for ListCache {
    fn default() -> Self {
        ListCache {
            list: RwLock::new(List {
                items: Arc::new(resolution835::builtin()),
                imported: None,
            }),
            version: AtomicI64::new(-1),
        }
    }
}

/// Reads an uploaded CSV into the items of a list. Every problem names its
/// line and column; all of them are returned together under `field`.
pub fn parse_list(bytes: &[u8], field: &str) -> Result<Vec<ListItem>> {
    let fail = |msg: String| ActionError::invalid(field, msg);
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(fail(format!(
            "The file must be at most {} KiB",
            MAX_IMPORT_BYTES / 1024
        )));
    }
    let book = misto_tabular::read(bytes, misto_tabular::Format::Csv, "resolution-835.csv")
        .map_err(|e| fail(format!("The file is not a readable CSV: {e}")))?;
    let Some(table) = book.tables.into_iter().next() else {
        return Err(fail("The file has no rows".into()));
    };
    let mut errors = FieldErrors::new();
    let col = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name.trim().eq_ignore_ascii_case(name))
    };
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "Line {}: the header lacks the column(s) {}; expected number,name_uk,name_en,category,update_frequency",
            table.header_row.max(1),
            missing.join(", ")
        )));
    }
    let (c_id, c_uk) = (col("number"), col("name_uk"));
    let (c_en, c_cat, c_freq) = (col("name_en"), col("category"), col("update_frequency"));
    let cell = |row: &[String], c: Option<usize>| -> String {
        c.and_then(|i| row.get(i))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut items: Vec<ListItem> = Vec::new();
    for (row, line) in table.rows.iter().zip(&table.row_lines) {
        let id = cell(row, c_id);
        let name_uk = cell(row, c_uk);
        let mut bad = |column: &str, msg: String| {
            errors.add(field, format!("Line {line}, column {column}: {msg}"));
        };
        if id.is_empty() {
            bad("number", "missing value".into());
        } else if id.chars().count() > ID_MAX
            || !id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            bad(
                "number",
                format!(
                    "\"{id}\" is not an item number (letters, digits, - . _, at most {ID_MAX})"
                ),
            );
        } else if items.iter().any(|i| i.id == id) {
            bad("number", format!("\"{id}\" is listed twice"));
        }
        if name_uk.is_empty() {
            bad("name_uk", "missing value".into());
        }
        let freq = cell(row, c_freq);
        let update_frequency = if freq.is_empty() {
            None
        } else {
            let f = UpdateFrequency::parse(&freq);
            if f.is_none() {
                bad(
                    "update_frequency",
                    format!("\"{freq}\" is not a value of the national vocabulary"),
                );
            }
            f
        };
        let item = ListItem {
            id,
            name_uk,
            name_en: cell(row, c_en),
            category: cell(row, c_cat),
            update_frequency,
        };
        for text in [&item.id, &item.name_uk, &item.name_en, &item.category] {
            if let Some(c) = text
                .chars()
                .find(|c| misto_core::validate::is_forbidden_char(*c))
            {
                errors.add(
                    field,
                    format!(
                        "Item {}: {}",
                        item.id,
                        misto_core::validate::forbidden_char_message(c)
                    ),
                );
                break;
            }
        }
        items.push(item);
    }
    if items.is_empty() && errors.is_empty() {
        errors.add(field, "The file has no items");
    }
    errors.into_result()?;
    Ok(items)
}

impl Portal {
    /// The Resolution 835 list in force.
    pub fn resolution835_list(&self) -> List {
        match self.r835.list.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether `id` is an item of the list in force.
    pub fn is_resolution835_item(&self, id: &str) -> bool {
        self.resolution835_list().find(id).is_some()
    }

    /// Reloads the list when the catalog version moved since the last load.
    pub(crate) async fn reload_resolution835(&self) -> Result<()> {
        let version = self.catalog.version();
        if self.r835.version.load(Ordering::Acquire) == version {
            return Ok(());
        }
        let (items, imported) = self.store.resolution835_items().await?;
        let list = if items.is_empty() {
            List {
                items: Arc::new(resolution835::builtin()),
                imported: None,
            }
        } else {
            List {
                items: Arc::new(items),
                imported,
            }
        };
        if let Ok(mut l) = self.r835.list.write() {
            *l = list;
        }
        self.r835.version.store(version, Ordering::Release);
        Ok(())
    }

    /// Replaces the list with the items of an uploaded CSV (sysadmins).
    /// Nothing changes when any row is wrong.
    pub async fn import_resolution835(&self, actor: &Viewer, csv: &[u8]) -> Result<List> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let items = parse_list(csv, "upload")?;
        self.store
            .replace_resolution835_items(&items, now())
            .await?;
        self.refresh().await?;
        Ok(self.resolution835_list())
    }

    /// The bytes of an uploaded CSV for [`Portal::import_resolution835`];
    /// a file over [`MAX_IMPORT_BYTES`] is refused without reading it.
    pub async fn read_import_upload(&self, up: &crate::resources::StagedUpload) -> Result<Vec<u8>> {
        if up.size as usize > MAX_IMPORT_BYTES {
            return Err(ActionError::invalid(
                "upload",
                format!("The file must be at most {} KiB", MAX_IMPORT_BYTES / 1024),
            ));
        }
        Ok(self.blobs.read_all(&up.key).await?)
    }

    /// Goes back to the built-in list (sysadmins).
    pub async fn reset_resolution835(&self, actor: &Viewer) -> Result<List> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        self.store.replace_resolution835_items(&[], now()).await?;
        self.refresh().await?;
        Ok(self.resolution835_list())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(e: ActionError) -> Vec<String> {
        match e {
            ActionError::Validation(f) => f.0.get("upload").cloned().unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_reference_list_reads_as_the_built_in_one() {
        let csv = include_bytes!("../../../tests/fixtures/resolution-835-datasets.csv");
        let items = parse_list(csv, "upload").unwrap();
        assert_eq!(items, resolution835::builtin());
    }

    #[test]
    fn problems_name_the_line_and_column() {
        let csv = "number,name_uk,name_en,update_frequency\n\
                   A-1,Перше,First,once a year\n\
                   A-1,Друге,,\n\
                   ,Третє,,\n\
                   A-4,,,\n\
                   A 5,П'яте,,weekly-ish\n";
        let e = errors(parse_list(csv.as_bytes(), "upload").unwrap_err());
        assert!(
            e.contains(&"Line 3, column number: \"A-1\" is listed twice".to_string()),
            "{e:?}"
        );
        assert!(
            e.contains(&"Line 4, column number: missing value".to_string()),
            "{e:?}"
        );
        assert!(
            e.contains(&"Line 5, column name_uk: missing value".to_string()),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.starts_with("Line 6, column number:")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("Line 6, column update_frequency:")),
            "{e:?}"
        );
        assert_eq!(e.len(), 5, "{e:?}");
    }

    #[test]
    fn a_header_without_the_required_columns_is_refused() {
        let e = errors(parse_list(b"id,title\nA,B\n", "upload").unwrap_err());
        assert!(e[0].contains("number, name_uk"), "{e:?}");
    }

    #[test]
    fn frequencies_are_read_from_the_vocabulary() {
        let e = errors(
            parse_list(
                "number,name_uk,update_frequency\nA,Перше,weekly-ish\n".as_bytes(),
                "upload",
            )
            .unwrap_err(),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        let ok = parse_list(
            "number,name_uk,update_frequency\nA,Перше,Щороку\nB,Друге,once a month\n".as_bytes(),
            "upload",
        )
        .unwrap();
        assert_eq!(ok[0].update_frequency, Some(UpdateFrequency::OnceAYear));
        assert_eq!(ok[1].update_frequency, Some(UpdateFrequency::OnceAMonth));
    }
}
