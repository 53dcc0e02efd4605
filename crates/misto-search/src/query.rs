//! The Lucene subset CKAN clients send in `q` and `fq`.
//!
//! ```text
//! query    := or_expr ( ["AND" | "&&"] or_expr )*        implicit AND
//! or_expr  := unary ( ("OR" | "||") unary )*              OR binds tighter
//! unary    := ("+" | "-" | "!" | "NOT") unary | primary
//! primary  := "(" query ")" | FIELD ":" value | "*:*" | "\"phrase\"" | word
//! value    := "(" query ")" | "\"phrase\"" | range | "*" | word
//! range    := ("[" | "{") bound "TO" bound ("]" | "}")
//! bound    := "*" | NOW[(+|-)N UNIT | /UNIT]... | date | integer
//! ```
//!
//! Words and phrases without a field are free text (searched in every text
//! field); inside `field:( … )` they belong to that field. A backslash
//! escapes the next character of a word.

use chrono::{Datelike, Months, TimeZone, Timelike, Utc};
use misto_core::Timestamp;

use crate::SearchError;

/// The fields a query may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Name,
    Title,
    Notes,
    Text,
    Tags,
    Groups,
    Organization,
    OwnerOrg,
    ResFormat,
    ResName,
    ResDescription,
    LicenseId,
    UpdateFrequency,
    Language,
    State,
    Capacity,
    Type,
    MetadataModified,
    MetadataCreated,
    Maintainer,
    Author,
    Resolution835Item,
    NumResources,
    NumTags,
}

/// How a field's values are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Analyzed words, like `q`.
    Text,
    /// Whole values, case-insensitive.
    Keyword,
    Date,
    Int,
}

impl Field {
    pub fn parse(name: &str) -> Option<Field> {
        use Field::*;
        Some(match name {
            "id" => Id,
            "name" => Name,
            "title" => Title,
            "notes" => Notes,
            "text" => Text,
            "tags" => Tags,
            "groups" => Groups,
            "organization" => Organization,
            "owner_org" => OwnerOrg,
            "res_format" => ResFormat,
            "res_name" => ResName,
            "res_description" => ResDescription,
            "license_id" => LicenseId,
            "update_frequency" => UpdateFrequency,
            "language" => Language,
            "state" => State,
            "capacity" => Capacity,
            // CKAN's own dataset page sends `+dataset_type:dataset`.
            "type" | "dataset_type" => Type,
            "metadata_modified" => MetadataModified,
            "metadata_created" => MetadataCreated,
            "maintainer" => Maintainer,
            "author" => Author,
            "resolution_835_item" => Resolution835Item,
            "num_resources" => NumResources,
            "num_tags" => NumTags,
            _ => return None,
        })
    }

    pub fn kind(self) -> Kind {
        use Field::*;
        match self {
            Title | Notes | Text | ResName | ResDescription | Maintainer | Author => Kind::Text,
            MetadataModified | MetadataCreated => Kind::Date,
            NumResources | NumTags => Kind::Int,
            Id | Name | Tags | Groups | Organization | OwnerOrg | ResFormat | LicenseId
            | UpdateFrequency | Language | State | Capacity | Type | Resolution835Item => {
                Kind::Keyword
            }
        }
    }
}

/// A unit of date math after `NOW`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl Unit {
    fn parse(s: &str) -> Option<Unit> {
        Some(match s.to_ascii_uppercase().as_str() {
            "YEAR" | "YEARS" => Unit::Year,
            "MONTH" | "MONTHS" => Unit::Month,
            "DAY" | "DAYS" | "DATE" => Unit::Day,
            "HOUR" | "HOURS" => Unit::Hour,
            "MINUTE" | "MINUTES" => Unit::Minute,
            "SECOND" | "SECONDS" => Unit::Second,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateMath {
    Add(i64, Unit),
    Round(Unit),
}

#[derive(Debug, Clone, PartialEq)]
pub enum DateBound {
    Unbounded,
    At(Timestamp),
    Now(Vec<DateMath>),
}

impl DateBound {
    /// Micros since the epoch, or `None` when unbounded or out of range.
    pub fn resolve(&self, now: Timestamp) -> Option<Timestamp> {
        match self {
            DateBound::Unbounded => None,
            DateBound::At(t) => Some(*t),
            DateBound::Now(ops) => {
                let mut t = now;
                for op in ops {
                    t = apply_math(t, *op)?;
                }
                Some(t)
            }
        }
    }
}

fn apply_math(t: Timestamp, op: DateMath) -> Option<Timestamp> {
    match op {
        DateMath::Add(n, unit) => match unit {
            Unit::Year | Unit::Month => {
                let months = u32::try_from(n.unsigned_abs()).ok()?;
                let months = if unit == Unit::Year {
                    months.checked_mul(12)?
                } else {
                    months
                };
                if n >= 0 {
                    t.checked_add_months(Months::new(months))
                } else {
                    t.checked_sub_months(Months::new(months))
                }
            }
            Unit::Day => t.checked_add_signed(chrono::Duration::try_days(n)?),
            Unit::Hour => t.checked_add_signed(chrono::Duration::try_hours(n)?),
            Unit::Minute => t.checked_add_signed(chrono::Duration::try_minutes(n)?),
            Unit::Second => t.checked_add_signed(chrono::Duration::try_seconds(n)?),
        },
        DateMath::Round(unit) => {
            let (y, mo, d, h, mi, s) = (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            );
            let parts = match unit {
                Unit::Year => (y, 1, 1, 0, 0, 0),
                Unit::Month => (y, mo, 1, 0, 0, 0),
                Unit::Day => (y, mo, d, 0, 0, 0),
                Unit::Hour => (y, mo, d, h, 0, 0),
                Unit::Minute => (y, mo, d, h, mi, 0),
                Unit::Second => (y, mo, d, h, mi, s),
            };
            Utc.with_ymd_and_hms(parts.0, parts.1, parts.2, parts.3, parts.4, parts.5)
                .single()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Range<T> {
    pub lo: T,
    pub lo_inclusive: bool,
    pub hi: T,
    pub hi_inclusive: bool,
}

/// What a field clause asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A bare word, or a quoted phrase (with spaces and colons).
    Term(String),
    /// `field:*`: the field has any value.
    Any,
    Dates(Range<DateBound>),
    Ints(Range<Option<i64>>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `*:*` or `*`.
    All,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Free text: a word or phrase searched in every text field.
    Text(String),
    Field(Field, Value),
}

impl Node {
    /// Calls `f` with every free-text or text-field string that is not under a
    /// negation (these contribute to the score).
    pub fn for_each_positive_text(&self, f: &mut impl FnMut(&str)) {
        match self {
            Node::Text(s) => f(s),
            Node::Field(field, Value::Term(s)) if field.kind() == Kind::Text => f(s),
            Node::And(v) | Node::Or(v) => v.iter().for_each(|n| n.for_each_positive_text(f)),
            Node::All | Node::Not(_) | Node::Field(..) => {}
        }
    }

    /// True when the query names at least one field (or is `*:*`).
    pub fn has_fields(&self) -> bool {
        match self {
            Node::Field(..) | Node::All => true,
            Node::Text(_) => false,
            Node::Not(n) => n.has_fields(),
            Node::And(v) | Node::Or(v) => v.iter().any(Node::has_fields),
        }
    }
}

/// The longest `q` or `fq` accepted, in characters. Solr's own default
/// request limits are of this order; real clients (the CKAN harvester's
/// `fq` with a date range and a list of organizations) stay far below it.
pub const MAX_QUERY_CHARS: usize = 4_000;

/// How deeply parentheses and prefix operators (`-`, `+`, `!`, `NOT`) may
/// nest. The parser and every walk of the tree recurse once per level, so
/// this bound is what keeps a hostile query from exhausting the stack.
pub const MAX_QUERY_DEPTH: usize = 32;

/// Parses one `q` or `fq` string; `context` (`"q"` or `"fq"`) is named in
/// error messages. Longer than [`MAX_QUERY_CHARS`] or nested deeper than
/// [`MAX_QUERY_DEPTH`] is a query error, found before any deep recursion.
pub fn parse(input: &str, context: &str) -> Result<Node, SearchError> {
    let chars: Vec<char> = input.chars().take(MAX_QUERY_CHARS + 1).collect();
    if chars.len() > MAX_QUERY_CHARS {
        return Err(SearchError::TooComplex(format!(
            "{context} is too long: at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let mut p = Parser {
        chars,
        pos: 0,
        depth: 0,
        context,
    };
    p.skip_ws();
    if p.eof() {
        return Ok(Node::All);
    }
    p.parse_query(None, false)
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    /// Current nesting of parentheses and prefix operators.
    depth: usize,
    context: &'a str,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_word_end(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

impl Parser<'_> {
    fn err(&self, msg: impl std::fmt::Display) -> SearchError {
        SearchError::Query(format!("{msg} in {}", self.context))
    }

    fn eof(&self) -> bool {
        self.pos >= self.chars.len()
    }

    /// Runs `f` one nesting level deeper, refusing past [`MAX_QUERY_DEPTH`].
    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        if self.depth >= MAX_QUERY_DEPTH {
            return Err(SearchError::TooComplex(format!(
                "{} is too deeply nested: at most {MAX_QUERY_DEPTH} levels of parentheses and operators",
                self.context
            )));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Consumes the operator keyword `kw` if it stands alone at the cursor.
    fn eat_keyword(&mut self, kws: &[&str]) -> bool {
        for kw in kws {
            let n = kw.chars().count();
            let end = self.pos + n;
            if end <= self.chars.len()
                && self.chars[self.pos..end].iter().copied().eq(kw.chars())
                && self
                    .chars
                    .get(end)
                    .is_none_or(|c| is_word_end(*c) || *c == '"')
            {
                self.pos = end;
                return true;
            }
        }
        false
    }

    fn at_keyword(&mut self, kws: &[&str]) -> bool {
        let save = self.pos;
        let found = self.eat_keyword(kws);
        self.pos = save;
        found
    }

    fn parse_query(&mut self, field: Option<Field>, nested: bool) -> Result<Node, SearchError> {
        let mut clauses = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None if nested => return Err(self.err("unbalanced parentheses: missing ')'")),
                None => break,
                Some(')') if nested => {
                    self.pos += 1;
                    break;
                }
                Some(')') => return Err(self.err("unbalanced parentheses: unexpected ')'")),
                _ => {}
            }
            if self.eat_keyword(&["AND", "&&"]) {
                if clauses.is_empty() {
                    return Err(self.err("AND without a left-hand clause"));
                }
                self.skip_ws();
                if self.eof() || self.peek() == Some(')') {
                    return Err(self.err("AND without a right-hand clause"));
                }
                continue;
            }
            clauses.push(self.parse_or(field)?);
        }
        match clauses.len() {
            0 => Err(self.err("empty parentheses")),
            1 => Ok(clauses.pop().expect("one clause")),
            _ => Ok(Node::And(clauses)),
        }
    }

    fn parse_or(&mut self, field: Option<Field>) -> Result<Node, SearchError> {
        let mut alts = vec![self.parse_unary(field)?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.eat_keyword(&["OR", "||"]) {
                self.skip_ws();
                if self.eof() || self.peek() == Some(')') || self.at_keyword(&["OR", "AND"]) {
                    return Err(self.err("OR without a right-hand clause"));
                }
                alts.push(self.parse_unary(field)?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one")
        } else {
            Node::Or(alts)
        })
    }

    fn parse_unary(&mut self, field: Option<Field>) -> Result<Node, SearchError> {
        self.skip_ws();
        match self.peek() {
            Some('+') => {
                self.pos += 1;
                self.nested(|p| p.parse_unary(field))
            }
            Some('-') | Some('!') => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.nested(|p| p.parse_unary(field))?)))
            }
            _ if self.eat_keyword(&["NOT"]) => {
                self.skip_ws();
                Ok(Node::Not(Box::new(self.nested(|p| p.parse_unary(field))?)))
            }
            _ => self.parse_primary(field),
        }
    }

    fn parse_primary(&mut self, field: Option<Field>) -> Result<Node, SearchError> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(self.err("expected a term at the end"));
        };
        match c {
            '(' => {
                self.pos += 1;
                self.nested(|p| p.parse_query(field, true))
            }
            ')' => Err(self.err("unbalanced parentheses: unexpected ')'")),
            '"' => {
                let phrase = self.read_quoted()?;
                make_node(field, phrase, self)
            }
            '[' | '{' => match field {
                Some(f) => self.parse_range(f),
                None => Err(self.err("a range needs a field")),
            },
            _ if self.at_keyword(&["AND", "OR", "NOT", "&&", "||"]) => {
                Err(self.err(format!("unexpected operator at position {}", self.pos + 1)))
            }
            _ => {
                // `field:` or `*:`?
                let start = self.pos;
                let mut end = start;
                while end < self.chars.len() && is_ident_char(self.chars[end]) {
                    end += 1;
                }
                if end == start && self.chars.get(end) == Some(&'*') {
                    end += 1;
                }
                if end > start && self.chars.get(end) == Some(&':') {
                    let name: String = self.chars[start..end].iter().collect();
                    self.pos = end + 1;
                    return self.parse_field_value(&name);
                }
                let word = self.read_word();
                make_node(field, word, self)
            }
        }
    }

    fn parse_field_value(&mut self, name: &str) -> Result<Node, SearchError> {
        if name == "*" {
            return if self.peek() == Some('*')
                && self.chars.get(self.pos + 1).is_none_or(|c| is_word_end(*c))
            {
                self.pos += 1;
                Ok(Node::All)
            } else {
                Err(self.err("only '*:*' may use the '*' field"))
            };
        }
        let field =
            Field::parse(name).ok_or_else(|| self.err(format!("unknown field '{name}'")))?;
        match self.peek() {
            None => Err(self.err(format!("missing value after '{name}:'"))),
            Some(c) if c.is_whitespace() || c == ')' => {
                Err(self.err(format!("missing value after '{name}:'")))
            }
            Some('(') => {
                self.pos += 1;
                self.nested(|p| p.parse_query(Some(field), true))
            }
            Some('"') => {
                let phrase = self.read_quoted()?;
                make_node(Some(field), phrase, self)
            }
            Some('[') | Some('{') => self.parse_range(field),
            Some(_) => {
                let word = self.read_word();
                make_node(Some(field), word, self)
            }
        }
    }

    /// A bare word up to whitespace or a parenthesis, with `\` escapes.
    /// Marks a lone `*` by returning it unescaped.
    fn read_word(&mut self) -> Word {
        let mut s = String::new();
        let mut escaped_any = false;
        while let Some(c) = self.peek() {
            if is_word_end(c) {
                break;
            }
            self.pos += 1;
            if c == '\\' {
                if let Some(n) = self.peek() {
                    s.push(n);
                    self.pos += 1;
                    escaped_any = true;
                }
            } else {
                s.push(c);
            }
        }
        Word {
            text: s,
            quoted: escaped_any,
        }
    }

    fn read_quoted(&mut self) -> Result<Word, SearchError> {
        debug_assert_eq!(self.peek(), Some('"'));
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unbalanced quotes: missing '\"'")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(Word {
                        text: s,
                        quoted: true,
                    });
                }
                Some('\\') => {
                    self.pos += 1;
                    if let Some(n) = self.peek() {
                        s.push(n);
                        self.pos += 1;
                    }
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn parse_range(&mut self, field: Field) -> Result<Node, SearchError> {
        let open = self.peek().expect("range opener");
        self.pos += 1;
        let start = self.pos;
        let mut in_quotes = false;
        while let Some(c) = self.peek() {
            if c == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes && (c == ']' || c == '}') {
                break;
            }
            self.pos += 1;
        }
        let Some(close) = self.peek() else {
            return Err(self.err(format!(
                "unbalanced range: missing '{}'",
                if open == '[' { ']' } else { '}' }
            )));
        };
        let inner: String = self.chars[start..self.pos].iter().collect();
        self.pos += 1;
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [lo, to, hi] = parts.as_slice() else {
            return Err(self.err(format!(
                "range must be '[X TO Y]', got '{}{inner}{close}'",
                open
            )));
        };
        if !to.eq_ignore_ascii_case("TO") {
            return Err(self.err(format!(
                "range must be '[X TO Y]', got '{}{inner}{close}'",
                open
            )));
        }
        let unquote = |s: &str| s.trim_matches('"').to_owned();
        let (lo, hi) = (unquote(lo), unquote(hi));
        let (lo_inclusive, hi_inclusive) = (open == '[', close == ']');
        let value = match field.kind() {
            Kind::Date => Value::Dates(Range {
                lo: self.date_bound(field, &lo)?,
                lo_inclusive,
                hi: self.date_bound(field, &hi)?,
                hi_inclusive,
            }),
            Kind::Int => Value::Ints(Range {
                lo: self.int_bound(field, &lo)?,
                lo_inclusive,
                hi: self.int_bound(field, &hi)?,
                hi_inclusive,
            }),
            Kind::Text | Kind::Keyword => {
                return Err(self.err(format!(
                    "ranges are only supported on date and number fields, not '{}'",
                    field_name(field)
                )));
            }
        };
        Ok(Node::Field(field, value))
    }

    fn date_bound(&self, field: Field, s: &str) -> Result<DateBound, SearchError> {
        if s == "*" {
            return Ok(DateBound::Unbounded);
        }
        parse_date_bound(s)
            .ok_or_else(|| self.err(format!("invalid date '{s}' for {}", field_name(field))))
    }

    fn int_bound(&self, field: Field, s: &str) -> Result<Option<i64>, SearchError> {
        if s == "*" {
            return Ok(None);
        }
        s.parse::<i64>()
            .map(Some)
            .map_err(|_| self.err(format!("invalid number '{s}' for {}", field_name(field))))
    }
}

struct Word {
    text: String,
    /// Quoted or escaped: a `*` in it is literal.
    quoted: bool,
}

fn make_node(field: Option<Field>, word: Word, p: &Parser<'_>) -> Result<Node, SearchError> {
    let Some(field) = field else {
        return Ok(if word.text == "*" && !word.quoted {
            Node::All
        } else {
            Node::Text(word.text)
        });
    };
    if word.text == "*" && !word.quoted {
        return Ok(Node::Field(field, Value::Any));
    }
    let s = word.text;
    let value = match field.kind() {
        Kind::Text | Kind::Keyword => Value::Term(s),
        Kind::Int => {
            let n = p.int_bound(field, s.trim())?;
            Value::Ints(Range {
                lo: n,
                lo_inclusive: true,
                hi: n,
                hi_inclusive: true,
            })
        }
        Kind::Date => {
            let t = s.trim();
            let bound = p.date_bound(field, t)?;
            // A plain date means the whole day.
            if let (DateBound::At(day), true) = (&bound, t.len() == 10) {
                Value::Dates(Range {
                    lo: DateBound::At(*day),
                    lo_inclusive: true,
                    hi: DateBound::At(*day + chrono::Duration::days(1)),
                    hi_inclusive: false,
                })
            } else {
                Value::Dates(Range {
                    lo: bound.clone(),
                    lo_inclusive: true,
                    hi: bound,
                    hi_inclusive: true,
                })
            }
        }
    };
    Ok(Node::Field(field, value))
}

/// `NOW`, `NOW-7DAYS`, `NOW/DAY-1MONTH`, or a date `parse_datetime` accepts.
pub fn parse_date_bound(s: &str) -> Option<DateBound> {
    let Some(rest) = s.strip_prefix("NOW") else {
        return misto_core::time::parse_datetime(s).map(DateBound::At);
    };
    let chars: Vec<char> = rest.chars().collect();
    let mut ops = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let op = chars[i];
        i += 1;
        let num_start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let num: String = chars[num_start..i].iter().collect();
        let unit_start = i;
        while i < chars.len() && chars[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = Unit::parse(&chars[unit_start..i].iter().collect::<String>())?;
        match op {
            '+' | '-' => {
                let n: i64 = num.parse().ok()?;
                ops.push(DateMath::Add(if op == '-' { -n } else { n }, unit));
            }
            '/' if num.is_empty() => ops.push(DateMath::Round(unit)),
            _ => return None,
        }
    }
    Some(DateBound::Now(ops))
}

pub fn field_name(f: Field) -> &'static str {
    use Field::*;
    match f {
        Id => "id",
        Name => "name",
        Title => "title",
        Notes => "notes",
        Text => "text",
        Tags => "tags",
        Groups => "groups",
        Organization => "organization",
        OwnerOrg => "owner_org",
        ResFormat => "res_format",
        ResName => "res_name",
        ResDescription => "res_description",
        LicenseId => "license_id",
        UpdateFrequency => "update_frequency",
        Language => "language",
        State => "state",
        Capacity => "capacity",
        Type => "type",
        MetadataModified => "metadata_modified",
        MetadataCreated => "metadata_created",
        Maintainer => "maintainer",
        Author => "author",
        Resolution835Item => "resolution_835_item",
        NumResources => "num_resources",
        NumTags => "num_tags",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Node::{All, And, Not, Or, Text};

    fn query_error(input: &str) -> String {
        match parse(input, "q") {
            Err(SearchError::TooComplex(m)) => m,
            other => panic!(
                "{} chars: expected a query error, got {other:?}",
                input.len()
            ),
        }
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}x{}", "(".repeat(3000), ")".repeat(3000));
        assert!(query_error(&deep).contains("too long"));
        let deep = format!("{}x{}", "(".repeat(1000), ")".repeat(1000));
        assert!(query_error(&deep).contains("too deeply nested"));
        let field_deep = format!("{}x{}", "title:(".repeat(300), ")".repeat(300));
        assert!(query_error(&field_deep).contains("too deeply nested"));
        for prefix in ["-", "+", "!", "NOT "] {
            let q = format!("{}x", prefix.repeat(MAX_QUERY_DEPTH + 1));
            assert!(query_error(&q).contains("too deeply nested"), "{prefix}");
        }
        // A run of dashes longer than the length limit is refused for length.
        assert!(query_error(&"-".repeat(20_000)).contains("too long"));
        // At the limit it still parses.
        let ok = format!(
            "{}x{}",
            "(".repeat(MAX_QUERY_DEPTH),
            ")".repeat(MAX_QUERY_DEPTH)
        );
        assert_eq!(parse(&ok, "q").unwrap(), Text("x".into()));
        let q = format!("{}x", "-".repeat(MAX_QUERY_DEPTH));
        assert!(parse(&q, "q").is_ok());
    }

    #[test]
    fn length_is_counted_in_characters() {
        let cyrillic = "ї".repeat(MAX_QUERY_CHARS);
        assert!(parse(&cyrillic, "q").is_ok());
        let over = "ї".repeat(MAX_QUERY_CHARS + 1);
        assert!(query_error(&over).contains("at most 4000 characters"));
    }

    fn t(s: &str) -> Node {
        Text(s.into())
    }
    fn f(field: super::Field, s: &str) -> Node {
        Node::Field(field, Value::Term(s.into()))
    }
    fn not(n: Node) -> Node {
        Not(Box::new(n))
    }
    fn ts(s: &str) -> Timestamp {
        misto_core::time::parse_datetime(s).unwrap()
    }
    fn dates(lo: DateBound, lo_inclusive: bool, hi: DateBound, hi_inclusive: bool) -> Node {
        Node::Field(
            super::Field::MetadataModified,
            Value::Dates(Range {
                lo,
                lo_inclusive,
                hi,
                hi_inclusive,
            }),
        )
    }

    #[test]
    fn parse_table() {
        use super::Field::*;
        let cases: Vec<(&str, Node)> = vec![
            ("", All),
            ("   ", All),
            ("*:*", All),
            ("*", All),
            ("бюджет", t("бюджет")),
            ("бюджет школи", And(vec![t("бюджет"), t("школи")])),
            ("\"відкриті дані\"", t("відкриті дані")),
            ("tags:economy", f(Tags, "economy")),
            ("res_format:CSV", f(ResFormat, "CSV")),
            ("tags:\"відкриті дані\"", f(Tags, "відкриті дані")),
            ("tags:\"a:b c\"", f(Tags, "a:b c")),
            ("tags:*", Node::Field(Tags, Value::Any)),
            ("tags:\\*", f(Tags, "*")),
            ("name:a\\:b", f(Name, "a:b")),
            (
                "organization:a OR organization:b",
                Or(vec![f(Organization, "a"), f(Organization, "b")]),
            ),
            (
                "organization:a OR organization:b -groups:x",
                And(vec![
                    Or(vec![f(Organization, "a"), f(Organization, "b")]),
                    not(f(Groups, "x")),
                ]),
            ),
            ("-organization:a", not(f(Organization, "a"))),
            ("NOT tags:x", not(f(Tags, "x"))),
            ("!tags:x", not(f(Tags, "x"))),
            ("+tags:x +tags:y", And(vec![f(Tags, "x"), f(Tags, "y")])),
            ("tags:x AND tags:y", And(vec![f(Tags, "x"), f(Tags, "y")])),
            ("tags:x && tags:y", And(vec![f(Tags, "x"), f(Tags, "y")])),
            ("tags:x || tags:y", Or(vec![f(Tags, "x"), f(Tags, "y")])),
            ("tags:(a OR b)", Or(vec![f(Tags, "a"), f(Tags, "b")])),
            ("tags:(a b)", And(vec![f(Tags, "a"), f(Tags, "b")])),
            ("tags:(a \"b c\")", And(vec![f(Tags, "a"), f(Tags, "b c")])),
            (
                "(tags:a OR tags:b) AND NOT state:draft",
                And(vec![
                    Or(vec![f(Tags, "a"), f(Tags, "b")]),
                    not(f(State, "draft")),
                ]),
            ),
            (
                "бюджет organization:kyiv",
                And(vec![t("бюджет"), f(Organization, "kyiv")]),
            ),
            ("title:школи", f(Title, "школи")),
            ("+dataset_type:dataset", f(Type, "dataset")),
            ("ORANGE", t("ORANGE")),
            ("ANDREW NOTE", And(vec![t("ANDREW"), t("NOTE")])),
            ("Проект: бюджет", And(vec![t("Проект:"), t("бюджет")])),
            (
                "metadata_modified:[2024-05-01T09:00:00.123456Z TO *]",
                dates(
                    DateBound::At(ts("2024-05-01T09:00:00.123456Z")),
                    true,
                    DateBound::Unbounded,
                    true,
                ),
            ),
            (
                "metadata_modified:[* TO NOW]",
                dates(DateBound::Unbounded, true, DateBound::Now(vec![]), true),
            ),
            (
                "metadata_modified:{NOW-7DAYS TO NOW/DAY+1DAY}",
                dates(
                    DateBound::Now(vec![DateMath::Add(-7, Unit::Day)]),
                    false,
                    DateBound::Now(vec![
                        DateMath::Round(Unit::Day),
                        DateMath::Add(1, Unit::Day),
                    ]),
                    false,
                ),
            ),
            (
                "metadata_modified:[\"2024-05-01\" TO 2024-05-02T00:00:00Z}",
                dates(
                    DateBound::At(ts("2024-05-01")),
                    true,
                    DateBound::At(ts("2024-05-02T00:00:00Z")),
                    false,
                ),
            ),
            (
                "metadata_modified:2024-05-01",
                dates(
                    DateBound::At(ts("2024-05-01")),
                    true,
                    DateBound::At(ts("2024-05-02")),
                    false,
                ),
            ),
            (
                "num_resources:[1 TO *]",
                Node::Field(
                    NumResources,
                    Value::Ints(Range {
                        lo: Some(1),
                        lo_inclusive: true,
                        hi: None,
                        hi_inclusive: true,
                    }),
                ),
            ),
            (
                "num_tags:0",
                Node::Field(
                    NumTags,
                    Value::Ints(Range {
                        lo: Some(0),
                        lo_inclusive: true,
                        hi: Some(0),
                        hi_inclusive: true,
                    }),
                ),
            ),
        ];
        for (input, want) in cases {
            match parse(input, "fq") {
                Ok(got) => assert_eq!(got, want, "parse({input:?})"),
                Err(e) => panic!("parse({input:?}) failed: {e}"),
            }
        }
    }

    #[test]
    fn error_table() {
        let cases = [
            ("foo:bar", "unknown field 'foo' in fq"),
            ("tags:a OR bogus:(x)", "unknown field 'bogus' in fq"),
            ("(tags:a", "missing ')'"),
            ("tags:a)", "unexpected ')'"),
            ("tags:(a OR b", "missing ')'"),
            ("tags:\"open", "missing '\"'"),
            ("\"open", "missing '\"'"),
            ("metadata_modified:[2024-01-01 TO *", "missing ']'"),
            ("metadata_modified:[2024-01-01 *]", "range must be"),
            (
                "metadata_modified:[yesterday TO *]",
                "invalid date 'yesterday'",
            ),
            ("metadata_modified:[NOW-7FORTNIGHTS TO *]", "invalid date"),
            ("num_resources:[a TO *]", "invalid number 'a'"),
            ("num_tags:many", "invalid number 'many'"),
            ("tags:[a TO b]", "only supported on date and number fields"),
            ("[1 TO 2]", "a range needs a field"),
            ("tags:", "missing value after 'tags:'"),
            ("tags: x", "missing value after 'tags:'"),
            ("()", "empty parentheses"),
            ("tags:a OR", "OR without a right-hand clause"),
            ("AND tags:a", "AND without a left-hand clause"),
            ("tags:a AND", "AND without a right-hand clause"),
            ("*:foo", "only '*:*'"),
            ("OR", "unexpected operator"),
        ];
        for (input, want) in cases {
            match parse(input, "fq") {
                Ok(n) => panic!("parse({input:?}) should fail, got {n:?}"),
                Err(SearchError::Query(msg) | SearchError::TooComplex(msg)) => {
                    assert!(
                        msg.contains(want),
                        "parse({input:?}): {msg:?} lacks {want:?}"
                    )
                }
            }
        }
    }

    #[test]
    fn date_math() {
        let now = ts("2024-05-15T10:30:00Z");
        let cases = [
            ("NOW", "2024-05-15T10:30:00Z"),
            ("NOW-7DAYS", "2024-05-08T10:30:00Z"),
            ("NOW-1DAY", "2024-05-14T10:30:00Z"),
            ("NOW-2HOURS", "2024-05-15T08:30:00Z"),
            ("NOW+1MONTH", "2024-06-15T10:30:00Z"),
            ("NOW-1YEAR", "2023-05-15T10:30:00Z"),
            ("NOW/DAY", "2024-05-15T00:00:00Z"),
            ("NOW/MONTH-1DAY", "2024-04-30T00:00:00Z"),
            ("2024-05-01T09:00:00.123456Z", "2024-05-01T09:00:00.123456Z"),
            ("2024-05-01", "2024-05-01T00:00:00Z"),
        ];
        for (input, want) in cases {
            let b = parse_date_bound(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(b.resolve(now), Some(ts(want)), "{input}");
        }
        assert!(parse_date_bound("NOW-").is_none());
        assert!(parse_date_bound("NOW*2DAYS").is_none());
    }
}
