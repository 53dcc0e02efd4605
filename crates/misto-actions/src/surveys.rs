//! Online surveys: coordinators build them (single and multiple choice,
//! scale, free text; optional questions; open and close dates); anyone
//! answers once per browser without an account (the respondent key is a
//! hash of an opaque cookie, or of the account); results are counted per
//! question for coordinators and, when the survey says so, for everyone.

use std::collections::BTreeMap;

use misto_core::content::{Answers, QUESTION_KINDS, Question, Survey};
use misto_core::names::{is_valid_name, slugify};
use misto_core::time::{now, parse_datetime};
use misto_core::{FieldErrors, Timestamp, Viewer};
use sha2::{Digest, Sha256};

use crate::{ActionError, Portal, Result, new_id};

#[derive(Debug, Clone, Default)]
pub struct SurveyInput {
    pub name: Option<String>,
    pub title: String,
    pub description: String,
    pub questions: Vec<Question>,
    pub opens: Option<String>,
    pub closes: Option<String>,
    pub public_results: bool,
}

/// The count of one answer value.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionCount {
    pub value: String,
    pub count: usize,
}

/// The results of one question.
#[derive(Debug, Clone)]
pub struct QuestionResult {
    pub question: Question,
    /// How many respondents answered it.
    pub answered: usize,
    /// Per choice (empty for free text).
    pub counts: Vec<OptionCount>,
    /// Free-text answers, oldest first.
    pub texts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SurveyResults {
    pub survey: Survey,
    pub responses: usize,
    pub questions: Vec<QuestionResult>,
    /// Every response, for export.
    pub rows: Vec<(Timestamp, Answers)>,
}

fn check_questions(qs: &mut [Question], errors: &mut FieldErrors) {
    if qs.is_empty() || qs.len() > 100 {
        errors.add("questions", "A survey has 1 to 100 questions");
    }
    let mut seen = Vec::new();
    for (i, q) in qs.iter_mut().enumerate() {
        if q.id.trim().is_empty() {
            q.id = format!("q{}", i + 1);
        }
        let n = i + 1;
        if seen.contains(&q.id) {
            errors.add(
                "questions",
                format!("Question {n}: the id {} repeats", q.id),
            );
        }
        seen.push(q.id.clone());
        if !QUESTION_KINDS.contains(&q.kind.as_str()) {
            errors.add(
                "questions",
                format!(
                    "Question {n}: the kind must be one of {}",
                    QUESTION_KINDS.join(", ")
                ),
            );
        }
        if q.label.trim().is_empty() || q.label.chars().count() > 500 {
            errors.add(
                "questions",
                format!("Question {n}: give the question (up to 500 characters)"),
            );
        }
        q.options = q
            .options
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if matches!(q.kind.as_str(), "single" | "multiple") && !(2..=50).contains(&q.options.len())
        {
            errors.add("questions", format!("Question {n}: give 2 to 50 choices"));
        }
        if q.kind == "scale" && q.scale_max.is_some_and(|m| !(2..=10).contains(&m)) {
            errors.add(
                "questions",
                format!("Question {n}: a scale runs up to 2..10"),
            );
        }
    }
}

fn date(field: &str, v: Option<String>, errors: &mut FieldErrors) -> Option<Timestamp> {
    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())?;
    let t = parse_datetime(&v);
    if t.is_none() {
        errors.add(field, "Must be a date as YYYY-MM-DD");
    }
    t
}

impl Portal {
    /// A coordinator creates a survey.
    pub async fn create_survey(&self, actor: &Viewer, input: SurveyInput) -> Result<Survey> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only coordinators build surveys"));
        }
        let mut errors = FieldErrors::new();
        let title = input.title.trim().to_string();
        if !(3..=254).contains(&title.chars().count()) {
            errors.add("title", "Must be 3 to 254 characters");
        }
        let name = input
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| slugify(&title));
        if !is_valid_name(&name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        }
        let mut questions = input.questions;
        check_questions(&mut questions, &mut errors);
        let opens = date("opens", input.opens, &mut errors);
        let closes = date("closes", input.closes, &mut errors);
        if let (Some(o), Some(c)) = (opens, closes)
            && c <= o
        {
            errors.add("closes", "Must be after the opening date");
        }
        errors.into_result()?;
        let t = now();
        let s = Survey {
            id: new_id(),
            name,
            title,
            description: input.description.trim().to_string(),
            questions,
            opens,
            closes,
            public_results: input.public_results,
            created: t,
            modified: t,
        };
        crate::check_text(&s)?;
        self.store.save_survey(&s).await?;
        Ok(s)
    }

    /// Surveys that have opened (coordinators: all), newest first.
    pub async fn list_surveys(&self, viewer: &Viewer) -> Result<Vec<Survey>> {
        let t = now();
        let mut all = self.store.list_surveys().await?;
        all.retain(|s| viewer.sysadmin || s.opens.is_none_or(|o| o <= t));
        Ok(all)
    }

    /// A survey; one not yet open exists only for coordinators.
    pub async fn show_survey(&self, viewer: &Viewer, id: &str) -> Result<Survey> {
        let t = now();
        self.store
            .find_survey(id)
            .await?
            .filter(|s| viewer.sysadmin || s.opens.is_none_or(|o| o <= t))
            .ok_or_else(|| ActionError::not_found("survey"))
    }

    /// Records one respondent's answers; `Ok(false)` when they had answered
    /// already. `respondent` is an opaque key of the browser (at least 8
    /// characters); a signed-in person counts once whatever the browser.
    pub async fn answer_survey(
        &self,
        viewer: &Viewer,
        id: &str,
        respondent: &str,
        answers: Answers,
    ) -> Result<bool> {
        let s = self.show_survey(viewer, id).await?;
        if !s.is_open(now()) {
            return Err(ActionError::invalid("survey", "The survey is closed"));
        }
        let key = match &viewer.user_id {
            Some(u) => format!("user:{u}"),
            None if respondent.trim().len() >= 8 => format!("anon:{}", respondent.trim()),
            None => {
                return Err(ActionError::invalid(
                    "respondent",
                    "Give the respondent key (at least 8 characters)",
                ));
            }
        };
        let mut errors = FieldErrors::new();
        let mut clean = Answers::new();
        for q in &s.questions {
            let given: Vec<String> = answers
                .get(&q.id)
                .map(|v| {
                    v.iter()
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if given.is_empty() {
                if q.required {
                    errors.add(&q.id, "Please answer this question");
                }
                continue;
            }
            match q.choices() {
                Some(choices) => {
                    if given.iter().any(|g| !choices.contains(g))
                        || (q.kind != "multiple" && given.len() > 1)
                    {
                        errors.add(&q.id, "Choose from the given answers");
                        continue;
                    }
                    let mut g = given;
                    g.dedup();
                    clean.insert(q.id.clone(), g);
                }
                None => {
                    let text = given.join(" ");
                    if text.chars().count() > 4000 {
                        errors.add(&q.id, "Must be at most 4000 characters");
                        continue;
                    }
                    clean.insert(q.id.clone(), vec![text]);
                }
            }
        }
        if let Some(extra) = answers
            .keys()
            .find(|k| !s.questions.iter().any(|q| &q.id == *k))
        {
            errors.add(extra, "No such question");
        }
        for (q, given) in &clean {
            for g in given {
                misto_core::validate::text(&mut errors, q, g);
            }
        }
        errors.into_result()?;
        let hashed = hex::encode(Sha256::digest(key.as_bytes()));
        Ok(self
            .store
            .add_survey_response(&s.id, &hashed, &clean, now())
            .await?)
    }

    /// The counted results: for coordinators, and for everyone when the
    /// survey's results are public.
    pub async fn survey_results(&self, viewer: &Viewer, id: &str) -> Result<SurveyResults> {
        let s = self.show_survey(viewer, id).await?;
        if !(viewer.sysadmin || s.public_results) {
            return Err(ActionError::denied(
                "the results of this survey are not public",
            ));
        }
        let rows = self.store.survey_responses(&s.id).await?;
        let questions = s
            .questions
            .iter()
            .map(|q| {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                let mut texts = Vec::new();
                let mut answered = 0;
                for (_, a) in &rows {
                    let Some(v) = a.get(&q.id) else { continue };
                    answered += 1;
                    if q.choices().is_some() {
                        for x in v {
                            *counts.entry(x.as_str()).or_default() += 1;
                        }
                    } else {
                        texts.extend(v.iter().cloned());
                    }
                }
                QuestionResult {
                    counts: q
                        .choices()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| OptionCount {
                            count: counts.get(c.as_str()).copied().unwrap_or(0),
                            value: c,
                        })
                        .collect(),
                    question: q.clone(),
                    answered,
                    texts,
                }
            })
            .collect();
        Ok(SurveyResults {
            responses: rows.len(),
            survey: s,
            questions,
            rows,
        })
    }
}

/// The responses as CSV: one row per response, one column per question
/// (several choices joined with "; ").
pub fn results_csv(r: &SurveyResults) -> String {
    fn cell(s: &str) -> String {
        // A leading = + - @ would make spreadsheets run the text as a formula.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("\u{feff}submitted");
    for q in &r.survey.questions {
        out.push(',');
        out.push_str(&cell(&q.label));
    }
    out.push_str("\r\n");
    for (t, a) in &r.rows {
        out.push_str(&misto_core::time::ckan_format(t));
        for q in &r.survey.questions {
            out.push(',');
            out.push_str(&cell(
                &a.get(&q.id).map(|v| v.join("; ")).unwrap_or_default(),
            ));
        }
        out.push_str("\r\n");
    }
    out
}
