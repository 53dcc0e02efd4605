//! Markdown descriptions rendered to HTML that is safe to embed: raw HTML is
//! shown as text, links keep only `http`, `https`, `mailto` and same-site
//! paths, images become their alt text (the page loads nothing from outside).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn safe_link(url: &str) -> bool {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || (u.starts_with('/') && !u.starts_with("//"))
        || u.starts_with('#')
}

/// Renders Markdown to sanitised HTML.
pub fn render(src: &str) -> String {
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    // Whether each open link was kept, to drop the matching end tag.
    let mut links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    let events = parser.filter_map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_link(&dest_url);
            links.push(keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => {
            let keep = links.pop().unwrap_or(false);
            keep.then_some(Event::End(TagEnd::Link))
        }
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(src.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Plain text for result cards: Markdown markup dropped, cut at `max` characters.
pub fn excerpt(src: &str, max: usize) -> String {
    let mut text = String::new();
    for ev in Parser::new(src) {
        match ev {
            Event::Text(s) | Event::Code(s) | Event::Html(s) | Event::InlineHtml(s) => {
                text.push_str(&s)
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
        if text.chars().count() > max + 1 {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max {
        let cut: String = text.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped() {
        let out = render("Hello <script>alert(1)</script>\n\n<div onclick=\"x()\">y</div>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<div"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn only_safe_links() {
        let out = render(
            "[bad](javascript:alert(1)) [ok](https://example.org) [mail](mailto:a@b.ua) [Data](JaVaScRiPt:x)",
        );
        assert!(!out.to_ascii_lowercase().contains("javascript:"), "{out}");
        assert!(
            out.contains("<a href=\"https://example.org\">ok</a>"),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:a@b.ua\""), "{out}");
        assert!(out.contains("bad"), "{out}");
    }

    #[test]
    fn images_become_text() {
        let out = render("![a map](https://evil.example/x.png)");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("a map"), "{out}");
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("**Бюджет** міста", 100), "Бюджет міста");
        assert_eq!(excerpt("abcdef ghij", 6), "abcdef…");
    }
}
