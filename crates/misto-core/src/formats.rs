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

/// Media types served under their own name: data a browser shows as text
/// or an image, or only saves (tables, documents, archives). Everything
/// else goes out as `application/octet-stream`.
const PASSIVE_TYPES: &[&str] = &[
    "text/csv",
    "text/tab-separated-values",
    "text/plain",
    "text/markdown",
    "application/json",
    "application/geo+json",
    "application/ld+json",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/vnd.apache.parquet",
];

/// Whether a browser could render the media type as active content (a
/// page, a script, a feed, a drawing with scripts, a PDF with its own
/// viewer and scripts): HTML, XHTML, SVG, XML of any kind (RSS, Atom,
/// XSLT…), JavaScript, PDF.
pub fn is_active_content(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    m.contains("html")
        || m.contains("xml")
        || m.contains("javascript")
        || m.contains("ecmascript")
        || m.contains("pdf")
        || m.starts_with("image/svg")
        || m.starts_with("text/xsl")
}

/// The media type to serve a stored file (upload, attachment) under: its
/// own, when it is one of a short list of passive types (CSV, JSON, plain
/// text, raster images, office files, archives), else
/// `application/octet-stream`. A listed type is given without parameters.
/// The stored type may come from the uploader, so nothing outside the list
/// is trusted, whatever it says.
pub fn served_media_type(stored: Option<&str>) -> &'static str {
    const NEUTRAL: &str = "application/octet-stream";
    let Some(stored) = stored else {
        return NEUTRAL;
    };
    let essence = stored
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    PASSIVE_TYPES
        .iter()
        .find(|t| **t == essence)
        .copied()
        .unwrap_or(NEUTRAL)
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
        for active in [
            "application/rss+xml",
            "application/atom+xml",
            "application/xhtml+xml",
            "application/xslt+xml",
            "text/xsl",
            "application/pdf",
            "text/javascript",
            "application/xml",
            "text/xml; charset=utf-8",
        ] {
            assert!(is_active_content(active), "{active}");
            assert_eq!(
                served_media_type(Some(active)),
                "application/octet-stream",
                "{active}"
            );
        }
        for (stored, served) in [
            (Some("text/csv"), "text/csv"),
            (Some("Text/CSV; charset=utf-8"), "text/csv"),
            (Some("application/json"), "application/json"),
            (Some("image/png"), "image/png"),
            (
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (Some("image/svg+xml"), "application/octet-stream"),
            (Some("text/html"), "application/octet-stream"),
            (Some("application/x-anything"), "application/octet-stream"),
            (Some(" text/csv\r\nX: y"), "application/octet-stream"),
            (Some(""), "application/octet-stream"),
            (None, "application/octet-stream"),
        ] {
            assert_eq!(served_media_type(stored), served, "{stored:?}");
        }
        // Every listed type is passive by the broad rule too (office
        // formats excepted: "openxmlformats" names a zip of XML parts that
        // browsers only save).
        for t in PASSIVE_TYPES {
            assert!(!is_active_content(t) || t.contains("openxmlformats"), "{t}");
        }
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("звіт \"2024\".csv"), "звіт 2024.csv");
        assert_eq!(sanitize_file_name(".."), "file");
    }
}
