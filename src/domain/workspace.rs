//! Workspaces: one newsroom's records, members and settings. Their settings as submitted
//! (`*Input`) become checked values here.

use serde::{Deserialize, Serialize};

use bigdecimal::BigDecimal;

use super::decimal::{DecimalText, ExactDecimal};
use super::kinds::{ReviewStatus, Role};
use super::review::{Rating, RatingChoice};
use super::text::{Text, WebUrl};
use super::{FieldError, at};

/// The workspace a caller who names none acts in: a single-newsroom install never names one.
pub const DEFAULT_SLUG: &str = "default";

/// How far apart, in percent, a claim's "approximately" figure and the evidence's may be and
/// still agree, unless a workspace sets its own.
pub const DEFAULT_FIGURE_TOLERANCE_PERCENT: u8 = 5;

/// How callers name a workspace: lower-case letters, digits and hyphens, 1 to 63 characters,
/// starting with a letter or digit (`north-desk`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(value: &str) -> Result<Self, String> {
        let valid = (1..=63).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-');
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err("must be 1 to 63 lower-case letters, digits or hyphens, not starting with a hyphen".into())
        }
    }

    pub fn default_workspace() -> Self {
        Self(DEFAULT_SLUG.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Most steps a rating scale may have.
pub const MAX_SCALE_STEPS: usize = 11;

/// One step of a rating scale: its number (ClaimReview's `ratingValue`) and its name
/// (`alternateName`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingStep {
    #[serde(deserialize_with = "super::integral")]
    pub value: i16,
    pub label: String,
}

/// A workspace's rating scale: 2 to 11 steps, worst first, values strictly rising, labels
/// distinct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingScale(Vec<RatingStep>);

impl RatingScale {
    pub fn parse(steps: Vec<RatingStep>) -> Result<Self, FieldError> {
        if !(2..=MAX_SCALE_STEPS).contains(&steps.len()) {
            return Err(FieldError::new("", format!("must have 2 to {MAX_SCALE_STEPS} steps")));
        }
        let mut checked: Vec<RatingStep> = Vec::with_capacity(steps.len());
        for (i, step) in steps.into_iter().enumerate() {
            let label = Text::label(step.label).map_err(at(&format!("/{i}/label")))?.into_inner();
            if let Some(previous) = checked.last()
                && previous.value >= step.value
            {
                return Err(FieldError::new(format!("/{i}/value"), "values must rise, worst first"));
            }
            if checked.iter().any(|other| other.label.eq_ignore_ascii_case(&label)) {
                return Err(FieldError::new(format!("/{i}/label"), "labels must differ"));
            }
            checked.push(RatingStep { value: step.value, label });
        }
        Ok(Self(checked))
    }

    pub fn worst(&self) -> &RatingStep {
        &self.0[0]
    }

    pub fn best(&self) -> &RatingStep {
        &self.0[self.0.len() - 1]
    }

    /// The step at the middle of the scale (the lower one of two).
    pub fn middle(&self) -> &RatingStep {
        &self.0[(self.0.len() - 1) / 2]
    }

    /// The step just above the worst.
    pub fn next_to_worst(&self) -> &RatingStep {
        &self.0[1.min(self.0.len() - 1)]
    }

    /// The rating a verdict stands for when its reviewer gave none: the best step for
    /// verified, the worst for false, the one above it for misleading, the middle for
    /// disputed and unverifiable; none for states that are not verdicts.
    pub fn for_status(&self, status: ReviewStatus) -> Option<Rating> {
        let step = match status {
            ReviewStatus::Verified => self.best(),
            ReviewStatus::False => self.worst(),
            ReviewStatus::Misleading => self.next_to_worst(),
            ReviewStatus::Disputed | ReviewStatus::Unverifiable => self.middle(),
            ReviewStatus::Unreviewed | ReviewStatus::InReview | ReviewStatus::Retracted => return None,
        };
        Some(self.rating(step))
    }

    fn rating(&self, step: &RatingStep) -> Rating {
        Rating {
            value: step.value,
            label: step.label.clone(),
            worst: self.worst().value,
            best: self.best().value,
        }
    }

    /// A reviewer's choice as a rating on this scale.
    pub fn rate(&self, choice: &RatingChoice) -> Result<Rating, FieldError> {
        let label = choice.label.as_ref().map_or("", |label| label.as_str());
        let step = self.step(choice.value, label).map_err(|e| {
            let field = if e.starts_with("is not") { "/rating/value" } else { "/rating/label" };
            FieldError::new(field, e)
        })?;
        Ok(self.rating(step))
    }

    /// The step a reviewer's rating names: its value must be on the scale, and a label, if
    /// given, must be that step's (in any case).
    pub fn step(&self, value: i16, label: &str) -> Result<&RatingStep, String> {
        let step = self.0.iter().find(|step| step.value == value).ok_or_else(|| {
            let values: Vec<String> = self.0.iter().map(|s| s.value.to_string()).collect();
            format!("is not on this workspace's rating scale ({})", values.join(", "))
        })?;
        if !label.is_empty() && !step.label.eq_ignore_ascii_case(label) {
            return Err(format!("this workspace's scale calls {value} \"{}\"", step.label));
        }
        Ok(step)
    }

    pub fn steps(&self) -> &[RatingStep] {
        &self.0
    }
}

impl Default for RatingScale {
    fn default() -> Self {
        let step = |value, label: &str| RatingStep { value, label: label.to_owned() };
        Self(vec![
            step(1, "False"),
            step(2, "Misleading"),
            step(3, "Mixed"),
            step(4, "Mostly true"),
            step(5, "True"),
        ])
    }
}

/// Approvals a verdict needs from members of one role (or higher) before it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOffRule {
    pub role: Role,
    #[serde(deserialize_with = "super::integral")]
    pub count: u8,
}

/// Most approvals a sign-off policy may ask for in all.
pub const MAX_APPROVALS: u32 = 10;

/// A workspace's sign-off policy: no rule means a verdict needs no approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignOff(Vec<SignOffRule>);

impl SignOff {
    pub fn parse(rules: Vec<SignOffRule>) -> Result<Self, FieldError> {
        for (i, rule) in rules.iter().enumerate() {
            if rule.role == Role::Submitter {
                return Err(FieldError::new(format!("/{i}/role"), "approvals come from reviewers or above"));
            }
            if rule.count == 0 {
                return Err(FieldError::new(format!("/{i}/count"), "must be at least 1"));
            }
            if rules[..i].iter().any(|earlier| earlier.role == rule.role) {
                return Err(FieldError::new(format!("/{i}/role"), "one rule per role"));
            }
        }
        let total: u32 = rules.iter().map(|rule| u32::from(rule.count)).sum();
        if total > MAX_APPROVALS {
            return Err(FieldError::new(
                "",
                format!("must ask for at most {MAX_APPROVALS} approvals in all"),
            ));
        }
        Ok(Self(rules))
    }

    pub fn rules(&self) -> &[SignOffRule] {
        &self.0
    }
}

/// A workspace's settings as submitted: every field optional, for creating (defaults) and for
/// changing (what is absent stays).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub name: Option<String>,
    pub rating_scale: Option<Vec<RatingStep>>,
    pub sign_off: Option<Vec<SignOffRule>>,
    pub figure_tolerance_percent: Option<DecimalText>,
    #[serde(default, deserialize_with = "super::present")]
    pub publisher_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    pub publisher_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    pub publisher_logo_url: Option<Option<String>>,
    pub public_fact_checks: Option<bool>,
}

/// Checked settings; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct SettingsChange {
    pub name: Option<Text>,
    pub rating_scale: Option<RatingScale>,
    pub sign_off: Option<SignOff>,
    pub figure_tolerance_percent: Option<BigDecimal>,
    pub publisher_name: Option<Option<Text>>,
    pub publisher_url: Option<Option<WebUrl>>,
    pub publisher_logo_url: Option<Option<WebUrl>>,
    pub public_fact_checks: Option<bool>,
}

impl TryFrom<SettingsInput> for SettingsChange {
    type Error = FieldError;

    fn try_from(input: SettingsInput) -> Result<Self, FieldError> {
        let tolerance = input
            .figure_tolerance_percent
            .map(|text| {
                let percent =
                    ExactDecimal::parse(&text.0).map_err(at("/figure_tolerance_percent"))?.into_inner();
                let within = (BigDecimal::from(0)..=BigDecimal::from(100)).contains(&percent);
                within.then_some(percent).ok_or_else(|| {
                    FieldError::new("/figure_tolerance_percent", "must be from 0 to 100 (percent)")
                })
            })
            .transpose()?;
        Ok(Self {
            name: input.name.map(Text::name).transpose().map_err(at("/name"))?,
            rating_scale: input
                .rating_scale
                .map(RatingScale::parse)
                .transpose()
                .map_err(|e| e.under("/rating_scale"))?,
            sign_off: input.sign_off.map(SignOff::parse).transpose().map_err(|e| e.under("/sign_off"))?,
            figure_tolerance_percent: tolerance,
            publisher_name: input
                .publisher_name
                .map(Text::optional_label)
                .transpose()
                .map_err(at("/publisher_name"))?,
            publisher_url: input
                .publisher_url
                .map(WebUrl::optional)
                .transpose()
                .map_err(at("/publisher_url"))?,
            publisher_logo_url: input
                .publisher_logo_url
                .map(WebUrl::optional)
                .transpose()
                .map_err(at("/publisher_logo_url"))?,
            public_fact_checks: input.public_fact_checks,
        })
    }
}

/// A new workspace as submitted: its slug, its name and any settings (the rest default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceInput {
    pub slug: String,
    pub name: String,
    pub rating_scale: Option<Vec<RatingStep>>,
    pub sign_off: Option<Vec<SignOffRule>>,
    pub figure_tolerance_percent: Option<DecimalText>,
    pub publisher_name: Option<String>,
    pub publisher_url: Option<String>,
    pub publisher_logo_url: Option<String>,
    pub public_fact_checks: Option<bool>,
}

/// A new workspace, checked.
#[derive(Debug)]
pub struct WorkspaceDraft {
    pub slug: Slug,
    pub name: Text,
    pub settings: SettingsChange,
}

impl TryFrom<WorkspaceInput> for WorkspaceDraft {
    type Error = FieldError;

    fn try_from(input: WorkspaceInput) -> Result<Self, FieldError> {
        let slug = Slug::parse(&input.slug).map_err(at("/slug"))?;
        let name = Text::name(input.name).map_err(at("/name"))?;
        let settings = SettingsChange::try_from(SettingsInput {
            name: None,
            rating_scale: input.rating_scale,
            sign_off: input.sign_off,
            figure_tolerance_percent: input.figure_tolerance_percent,
            publisher_name: input.publisher_name.map(Some),
            publisher_url: input.publisher_url.map(Some),
            publisher_logo_url: input.publisher_logo_url.map(Some),
            public_fact_checks: input.public_fact_checks,
        })?;
        Ok(Self { slug, name, settings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(pairs: &[(i16, &str)]) -> Vec<RatingStep> {
        pairs.iter().map(|(value, label)| RatingStep { value: *value, label: (*label).to_owned() }).collect()
    }

    #[test]
    fn slugs() {
        for good in ["default", "north-desk", "a", "2026-election"] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "-north", "North", "north desk", "north_desk", "é", &"a".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rating_scales_rise_worst_first_with_distinct_labels() {
        let scale =
            RatingScale::parse(steps(&[(0, "Pants on fire"), (5, "Half true"), (10, "True")])).unwrap();
        assert_eq!(scale.worst().value, 0);
        assert_eq!(scale.best().value, 10);
        assert_eq!(scale.middle().label, "Half true");
        assert_eq!(scale.step(5, "half TRUE").unwrap().label, "Half true");
        assert_eq!(scale.step(10, "").unwrap().label, "True");
        assert!(scale.step(4, "").is_err(), "off the scale");
        assert!(scale.step(10, "False").is_err(), "a label the scale does not give that value");
        let error = |pairs: &[(i16, &str)]| RatingScale::parse(steps(pairs)).unwrap_err().pointer;
        assert_eq!(error(&[(1, "Only")]), "");
        assert_eq!(error(&[(2, "A"), (1, "B")]), "/1/value");
        assert_eq!(error(&[(1, "A"), (1, "B")]), "/1/value");
        assert_eq!(error(&[(1, "Same"), (2, "same")]), "/1/label");
        assert_eq!(error(&[(1, "A"), (2, "")]), "/1/label");
        let eleven: Vec<(i16, String)> = (0..12).map(|v| (v, format!("step {v}"))).collect();
        let too_many: Vec<RatingStep> =
            eleven.into_iter().map(|(value, label)| RatingStep { value, label }).collect();
        assert!(RatingScale::parse(too_many).is_err());
    }

    #[test]
    fn sign_off_policies() {
        let rule = |role, count| SignOffRule { role, count };
        assert!(SignOff::parse(vec![]).unwrap().rules().is_empty());
        assert!(SignOff::parse(vec![rule(Role::Reviewer, 1), rule(Role::Editor, 1)]).is_ok());
        assert_eq!(SignOff::parse(vec![rule(Role::Submitter, 1)]).unwrap_err().pointer, "/0/role");
        assert_eq!(SignOff::parse(vec![rule(Role::Editor, 0)]).unwrap_err().pointer, "/0/count");
        assert_eq!(
            SignOff::parse(vec![rule(Role::Editor, 1), rule(Role::Editor, 2)]).unwrap_err().pointer,
            "/1/role"
        );
        assert!(SignOff::parse(vec![rule(Role::Editor, 6), rule(Role::Reviewer, 5)]).is_err());
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let input: SettingsInput =
            serde_json::from_value(serde_json::json!({"figure_tolerance_percent": "101"})).unwrap();
        assert_eq!(SettingsChange::try_from(input).unwrap_err().pointer, "/figure_tolerance_percent");
        let input: SettingsInput = serde_json::from_value(
            serde_json::json!({"figure_tolerance_percent": 2.5, "publisher_name": null}),
        )
        .unwrap();
        let change = SettingsChange::try_from(input).unwrap();
        assert_eq!(change.figure_tolerance_percent.unwrap().to_string(), "2.5");
        assert_eq!(change.publisher_name, Some(None), "null clears");
        assert!(change.rating_scale.is_none(), "absent stays");
        let input: SettingsInput =
            serde_json::from_value(serde_json::json!({"publisher_url": "ftp://x.example"})).unwrap();
        assert_eq!(SettingsChange::try_from(input).unwrap_err().pointer, "/publisher_url");
    }
}
