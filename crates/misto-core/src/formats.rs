//! File formats: the CKAN `format` label and media type for a file name, and
//! which media types must never be rendered inline from the portal's origin.

/// (extension, format label, media type)
const FORMATS: [(&str, &str, &str); 24] = [
    ("csv", "CSV", "text/csv"),
    ("tsv", "TSV", "text/tab-separated-values"),
    ("json", "JSON", "application/json"),
    ("geojson", "GeoJSON", "application/geo+json"),
    ("jsonld", "JSON-LD", "application/ld+json"),
    ("xml", "XML", "application/xml"),
    (
        "xlsx",
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("xls", "XLS", "application/vnd.ms-excel"),
    (
        "ods",
        "ODS",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    ("pdf", "PDF", "application/pdf"),
    ("doc", "DOC", "application/msword"),
    (
        "docx",
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("odt", "ODT", "application/vnd.oasis.opendocument.text"),
    ("txt", "TXT", "text/plain"),
    ("md", "Markdown", "text/markdown"),
    ("html", "HTML", "text/html"),
    ("htm", "HTML", "text/html"),
    ("svg", "SVG", "image/svg+xml"),
    ("zip", "ZIP", "application/zip"),
    ("7z", "7Z", "application/x-7z-compressed"),
    ("rar", "RAR", "application/vnd.rar"),
    ("png", "PNG", "image/png"),
    ("jpg", "JPEG", "image/jpeg"),
    ("parquet", "Parquet", "application/vnd.apache.parquet"),
];

fn extension(file_name: &str) -> Option<String> {
    let (_, ext) = file_name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Format label and media type for a file name, by its extension.
pub fn guess(file_name: &str) -> Option<(&'static str, &'static str)> {
    let ext = extension(file_name)?;
    FORMATS
        .iter()
        .find(|(e, _, _)| *e == ext)
        .map(|(_, f, m)| (*f, *m))
}

/// The media type for a format label (`CSV` → `text/csv`).
pub fn media_type_of_format(format: &str) -> Option<&'static str> {
    FORMATS
        .iter()
        .find(|(_, f, _)| f.eq_ignore_ascii_case(format))
        .map(|(_, _, m)| *m)
}

/// Media types a browser would execute or render as a page; the portal serves
/// them only as attachments, never inline.
pub fn is_active_content(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    m.starts_with("text/html")
        || m.starts_with("image/svg")
        || m.contains("javascript")
        || m.contains("ecmascript")
        || m.starts_with("application/xhtml")
        || m.starts_with("text/xml")
        || m.starts_with("application/xml")
}

/// A file name safe to put in a URL path and a Content-Disposition header:
/// the last path segment, control characters and separators dropped.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\' | '?' | '#' | '%' | ';'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses() {
        assert_eq!(guess("Бюджет.CSV"), Some(("CSV", "text/csv")));
        assert_eq!(guess("x.xlsx").map(|g| g.0), Some("XLSX"));
        assert_eq!(guess("noext"), None);
        assert!(is_active_content("text/html; charset=utf-8"));
        assert!(is_active_content("image/svg+xml"));
        assert!(!is_active_content("text/csv"));
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("звіт \"2024\".csv"), "звіт 2024.csv");
        assert_eq!(sanitize_file_name(".."), "file");
    }
}
