//! The national update-frequency vocabulary of data.gov.ua (stored values are
//! the English strings the national portal uses, labels are in Ukrainian and
//! English), and the period after which a dataset counts as overdue.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum UpdateFrequency {
    #[serde(rename = "more than once a day")]
    MoreThanOnceADay,
    #[serde(rename = "once a day")]
    OnceADay,
    #[serde(rename = "once a week")]
    OnceAWeek,
    #[serde(rename = "once a month")]
    OnceAMonth,
    #[serde(rename = "once a quarter")]
    OnceAQuarter,
    #[serde(rename = "once a half year")]
    OnceAHalfYear,
    #[serde(rename = "once a year")]
    OnceAYear,
    #[serde(rename = "immediately after making changes")]
    ImmediatelyAfterMakingChanges,
    #[serde(rename = "no longer updated")]
    NoLongerUpdated,
}

impl UpdateFrequency {
    pub const ALL: [UpdateFrequency; 9] = [
        Self::MoreThanOnceADay,
        Self::OnceADay,
        Self::OnceAWeek,
        Self::OnceAMonth,
        Self::OnceAQuarter,
        Self::OnceAHalfYear,
        Self::OnceAYear,
        Self::ImmediatelyAfterMakingChanges,
        Self::NoLongerUpdated,
    ];

    /// The value stored and sent over the API (data.gov.ua's `update_frequency`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MoreThanOnceADay => "more than once a day",
            Self::OnceADay => "once a day",
            Self::OnceAWeek => "once a week",
            Self::OnceAMonth => "once a month",
            Self::OnceAQuarter => "once a quarter",
            Self::OnceAHalfYear => "once a half year",
            Self::OnceAYear => "once a year",
            Self::ImmediatelyAfterMakingChanges => "immediately after making changes",
            Self::NoLongerUpdated => "no longer updated",
        }
    }

    pub fn label_uk(self) -> &'static str {
        match self {
            Self::MoreThanOnceADay => "Більш як один раз на день",
            Self::OnceADay => "Щодня",
            Self::OnceAWeek => "Щотижня",
            Self::OnceAMonth => "Щомісяця",
            Self::OnceAQuarter => "Щокварталу",
            Self::OnceAHalfYear => "Кожного півріччя",
            Self::OnceAYear => "Щороку",
            Self::ImmediatelyAfterMakingChanges => "Відразу після внесення змін",
            Self::NoLongerUpdated => "Більше не оновлюється",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::MoreThanOnceADay => "More than once a day",
            Self::OnceADay => "Once a day",
            Self::OnceAWeek => "Once a week",
            Self::OnceAMonth => "Once a month",
            Self::OnceAQuarter => "Once a quarter",
            Self::OnceAHalfYear => "Once a half year",
            Self::OnceAYear => "Once a year",
            Self::ImmediatelyAfterMakingChanges => "Immediately after making changes",
            Self::NoLongerUpdated => "No longer updated",
        }
    }

    /// Parses the stored English value or the Ukrainian label (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|f| {
            f.as_str().eq_ignore_ascii_case(s) || f.label_uk().to_lowercase() == s.to_lowercase()
        })
    }

    /// The period after the last data update when the next update is due, as
    /// data.gov.ua computes "Не оновлений"; `None` when the dataset is never due.
    pub fn period(self) -> Option<chrono::Duration> {
        let days = chrono::Duration::days;
        match self {
            Self::MoreThanOnceADay => Some(chrono::Duration::seconds(86_399)),
            Self::OnceADay => Some(days(1)),
            Self::OnceAWeek => Some(days(7)),
            Self::OnceAMonth => Some(days(31)),
            Self::OnceAQuarter => Some(days(92)),
            Self::OnceAHalfYear => Some(days(183)),
            Self::OnceAYear | Self::ImmediatelyAfterMakingChanges => Some(days(365)),
            Self::NoLongerUpdated => None,
        }
    }
}

impl std::fmt::Display for UpdateFrequency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_values_and_labels() {
        for f in UpdateFrequency::ALL {
            assert_eq!(UpdateFrequency::parse(f.as_str()), Some(f));
            assert_eq!(UpdateFrequency::parse(f.label_uk()), Some(f));
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
        assert_eq!(
            UpdateFrequency::parse("щомісяця"),
            Some(UpdateFrequency::OnceAMonth)
        );
        assert_eq!(UpdateFrequency::parse("weekly"), None);
    }

    #[test]
    fn periods() {
        assert_eq!(
            UpdateFrequency::OnceAQuarter.period(),
            Some(chrono::Duration::days(92))
        );
        assert_eq!(UpdateFrequency::NoLongerUpdated.period(), None);
    }
}
