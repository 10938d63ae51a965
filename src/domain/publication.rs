//! From verdict to published fact-check: who may sign a verdict off, when a sign-off policy is
//! met, and the publication an editor writes (headline, summary, the article's address,
//! language, authors), its corrections and its withdrawal.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::kinds::{ReviewStatus, Role};
use super::text::{LanguageTag, MAX_LABEL_CHARS, MAX_NAME_CHARS, Text, WebUrl};
use super::workspace::{SignOff, SignOffRule};
use super::{FieldError, at};

/// Longest summary of a fact-check (`reviewBody`), in characters.
pub const MAX_SUMMARY_CHARS: usize = 10_000;
/// Most authors a fact-check names.
pub const MAX_AUTHORS: usize = 20;

/// Whether a verdict with this status may be published: a conclusion readers can act on.
/// `disputed` records that reviewers disagree, an internal state, never a public rating.
pub fn publishable(status: ReviewStatus) -> bool {
    matches!(
        status,
        ReviewStatus::Verified | ReviewStatus::False | ReviewStatus::Misleading | ReviewStatus::Unverifiable
    )
}

/// Why someone may not sign a verdict off.
#[derive(Debug, PartialEq, Eq)]
pub enum SignOffRefusal {
    OwnVerdict,
    OwnSubmission,
    BelowReviewer,
}

impl SignOffRefusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::OwnVerdict => "nobody approves or objects to their own verdict",
            Self::OwnSubmission => "nobody signs off a verdict on their own submission",
            Self::BelowReviewer => "signing off takes a reviewer or above",
        }
    }
}

/// Who may sign off the verdict `reviewer` recorded on an item `submitter` created.
pub fn may_sign(
    signer: Uuid,
    role: Role,
    reviewer: Uuid,
    submitter: Option<Uuid>,
) -> Result<(), SignOffRefusal> {
    if role < Role::Reviewer {
        Err(SignOffRefusal::BelowReviewer)
    } else if signer == reviewer {
        Err(SignOffRefusal::OwnVerdict)
    } else if submitter == Some(signer) {
        Err(SignOffRefusal::OwnSubmission)
    } else {
        Ok(())
    }
}

/// How far a verdict is from being signed off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOffState {
    pub signed_off: bool,
    /// Approvals still missing, per role.
    pub missing: Vec<SignOffRule>,
    /// Objections recorded: any one holds the verdict back until a new verdict replaces it.
    pub objections: usize,
}

/// The state of a verdict under `policy`, given the roles of those who approved it and the
/// number who objected. Each approval counts once, for the most senior rule its role
/// satisfies that still needs one (a higher role may stand in for a lower one).
pub fn evaluate(policy: &SignOff, approvals: &[Role], objections: usize) -> SignOffState {
    let mut needed: Vec<SignOffRule> = policy.rules().to_vec();
    needed.sort_by_key(|rule| std::cmp::Reverse(rule.role));
    let mut approvers = approvals.to_vec();
    approvers.sort_by_key(|role| std::cmp::Reverse(*role));
    for role in approvers {
        if let Some(rule) = needed.iter_mut().find(|rule| rule.count > 0 && rule.role <= role) {
            rule.count -= 1;
        }
    }
    let missing: Vec<SignOffRule> = needed.into_iter().filter(|rule| rule.count > 0).collect();
    SignOffState { signed_off: missing.is_empty() && objections == 0, missing, objections }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Object,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOffInput {
    pub decision: Decision,
    pub note: Option<String>,
}

/// A checked approval or objection; an objection says why.
#[derive(Debug)]
pub struct SignOffDraft {
    pub approves: bool,
    pub note: Option<Text>,
}

impl TryFrom<SignOffInput> for SignOffDraft {
    type Error = FieldError;

    fn try_from(input: SignOffInput) -> Result<Self, FieldError> {
        let note =
            input.note.map(|note| Text::exact(note, MAX_LABEL_CHARS)).transpose().map_err(at("/note"))?;
        let approves = input.decision == Decision::Approve;
        if !approves && note.is_none() {
            return Err(FieldError::new("/note", "an objection says why"));
        }
        Ok(Self { approves, note })
    }
}

/// What an editor publishes with a verdict.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    pub headline: String,
    pub summary: String,
    /// Where the newsroom publishes the fact-check article.
    pub url: String,
    pub language: String,
    #[serde(default)]
    pub authors: Vec<String>,
}

#[derive(Debug)]
pub struct PublicationDraft {
    pub headline: Text,
    pub summary: Text,
    pub url: WebUrl,
    pub language: LanguageTag,
    pub authors: Vec<Text>,
}

fn authors(names: Vec<String>) -> Result<Vec<Text>, FieldError> {
    if names.len() > MAX_AUTHORS {
        return Err(FieldError::new("/authors", format!("must name at most {MAX_AUTHORS} authors")));
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Text::name(name).map_err(at(&format!("/authors/{i}"))))
        .collect()
}

impl TryFrom<PublicationInput> for PublicationDraft {
    type Error = FieldError;

    fn try_from(input: PublicationInput) -> Result<Self, FieldError> {
        Ok(Self {
            headline: Text::exact(input.headline.trim().to_owned(), MAX_NAME_CHARS)
                .map_err(at("/headline"))?,
            summary: Text::exact(input.summary, MAX_SUMMARY_CHARS).map_err(at("/summary"))?,
            url: WebUrl::parse(input.url).map_err(at("/url"))?,
            language: LanguageTag::parse(input.language).map_err(at("/language"))?,
            authors: authors(input.authors)?,
        })
    }
}

/// A correction: why, and what of the publication changes (absent fields stay). The rating
/// and the words judged are taken again from the item's latest signed-off verdict.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    pub note: String,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub authors: Option<Vec<String>>,
}

#[derive(Debug)]
pub struct CorrectionDraft {
    pub note: Text,
    pub headline: Option<Text>,
    pub summary: Option<Text>,
    pub url: Option<WebUrl>,
    pub language: Option<LanguageTag>,
    pub authors: Option<Vec<Text>>,
}

impl TryFrom<CorrectionInput> for CorrectionDraft {
    type Error = FieldError;

    fn try_from(input: CorrectionInput) -> Result<Self, FieldError> {
        Ok(Self {
            note: Text::exact(input.note, MAX_LABEL_CHARS).map_err(at("/note"))?,
            headline: input
                .headline
                .map(|h| Text::exact(h.trim().to_owned(), MAX_NAME_CHARS))
                .transpose()
                .map_err(at("/headline"))?,
            summary: input
                .summary
                .map(|s| Text::exact(s, MAX_SUMMARY_CHARS))
                .transpose()
                .map_err(at("/summary"))?,
            url: WebUrl::optional(input.url).map_err(at("/url"))?,
            language: LanguageTag::optional(input.language).map_err(at("/language"))?,
            authors: input.authors.map(authors).transpose()?,
        })
    }
}

/// Taking a fact-check down: `unpublish` (published in error) or `retract` (the verdict no
/// longer stands). Either way a public notice stays where the fact-check was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Withdrawal {
    Unpublished,
    Retracted,
}

impl Withdrawal {
    pub fn state(self) -> &'static str {
        match self {
            Self::Unpublished => "unpublished",
            Self::Retracted => "retracted",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    pub notice: String,
}

impl TryFrom<NoticeInput> for Text {
    type Error = FieldError;

    fn try_from(input: NoticeInput) -> Result<Self, FieldError> {
        Text::exact(input.notice, MAX_LABEL_CHARS).map_err(at("/notice"))
    }
}

/// The parameters of Google Fact Check Tools' `claims:search`, as a query string holds them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimSearchInput {
    pub query: Option<String>,
    pub language_code: Option<String>,
    pub review_publisher_site_filter: Option<String>,
    pub max_age_days: Option<u32>,
    pub page_size: Option<u32>,
    pub page_token: Option<String>,
}

/// Longest search query, in characters.
pub const MAX_SEARCH_QUERY_CHARS: usize = 500;
/// Results per page: Google's default, and the most one page holds.
pub const DEFAULT_PAGE_SIZE: u32 = 10;
pub const MAX_PAGE_SIZE: u32 = 100;
/// The oldest a search reaches back, in days (a century).
pub const MAX_AGE_DAYS: u32 = 36_500;

/// A checked search, every part optional: Google asks for words or a site; without either,
/// this one lists the newest fact-checks, which a client of Google's API never asks for.
#[derive(Debug)]
pub struct ClaimSearch {
    pub query: Option<Text>,
    pub language: Option<LanguageTag>,
    /// A host name, lower-cased (`example.org`: its subdomains too).
    pub site: Option<String>,
    pub max_age_days: Option<u32>,
    pub page_size: u32,
    pub page_token: Option<String>,
}

fn site(value: String) -> Result<String, String> {
    let host = value.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid = (1..=253).contains(&host.len())
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if valid { Ok(host) } else { Err("must be a host name, such as example.org".into()) }
}

impl TryFrom<ClaimSearchInput> for ClaimSearch {
    type Error = FieldError;

    fn try_from(input: ClaimSearchInput) -> Result<Self, FieldError> {
        let page_size = input.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(FieldError::new("/pageSize", format!("must be 1 to {MAX_PAGE_SIZE}")));
        }
        if input.max_age_days.is_some_and(|days| !(1..=MAX_AGE_DAYS).contains(&days)) {
            return Err(FieldError::new("/maxAgeDays", format!("must be 1 to {MAX_AGE_DAYS}")));
        }
        Ok(Self {
            // A blank query asks for no words in particular.
            query: input
                .query
                .filter(|q| !q.trim().is_empty())
                .map(|q| Text::exact(q, MAX_SEARCH_QUERY_CHARS))
                .transpose()
                .map_err(at("/query"))?,
            language: LanguageTag::optional(input.language_code).map_err(at("/languageCode"))?,
            site: input
                .review_publisher_site_filter
                .map(site)
                .transpose()
                .map_err(at("/reviewPublisherSiteFilter"))?,
            max_age_days: input.max_age_days,
            page_size,
            page_token: input.page_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(rules: &[(Role, u8)]) -> SignOff {
        SignOff::parse(rules.iter().map(|&(role, count)| SignOffRule { role, count }).collect()).unwrap()
    }

    #[test]
    fn no_policy_is_signed_off_at_once_unless_someone_objects() {
        assert!(evaluate(&policy(&[]), &[], 0).signed_off);
        assert!(!evaluate(&policy(&[]), &[], 1).signed_off);
    }

    #[test]
    fn approvals_count_once_each_for_the_most_senior_rule_they_meet() {
        let one_of_each = policy(&[(Role::Reviewer, 1), (Role::Editor, 1)]);
        let state = evaluate(&one_of_each, &[Role::Reviewer], 0);
        assert!(!state.signed_off);
        assert_eq!(state.missing, vec![SignOffRule { role: Role::Editor, count: 1 }]);
        assert!(!evaluate(&one_of_each, &[Role::Editor], 0).signed_off, "one person, one approval");
        assert!(evaluate(&one_of_each, &[Role::Reviewer, Role::Editor], 0).signed_off);
        assert!(evaluate(&one_of_each, &[Role::Editor, Role::Admin], 0).signed_off, "higher stands in");
        assert!(!evaluate(&one_of_each, &[Role::Reviewer, Role::Reviewer], 0).signed_off);
        assert!(!evaluate(&one_of_each, &[Role::Reviewer, Role::Editor], 1).signed_off);
        let two_reviewers = policy(&[(Role::Reviewer, 2)]);
        assert_eq!(evaluate(&two_reviewers, &[Role::Reviewer], 0).missing[0].count, 1);
        assert!(evaluate(&two_reviewers, &[Role::Editor, Role::Reviewer], 0).signed_off);
    }

    #[test]
    fn nobody_signs_their_own_verdict_or_submission() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(may_sign(me, Role::Editor, me, None), Err(SignOffRefusal::OwnVerdict));
        assert_eq!(may_sign(me, Role::Editor, other, Some(me)), Err(SignOffRefusal::OwnSubmission));
        assert_eq!(may_sign(me, Role::Submitter, other, None), Err(SignOffRefusal::BelowReviewer));
        assert_eq!(may_sign(me, Role::Reviewer, other, Some(other)), Ok(()));
    }

    #[test]
    fn a_search_names_words_or_a_site_within_bounds() {
        let search = |input: ClaimSearchInput| ClaimSearch::try_from(input).map_err(|e| e.pointer);
        assert!(search(ClaimSearchInput::default()).is_ok(), "the newest, in no particular words");
        let blank = ClaimSearchInput { query: Some("  ".into()), ..Default::default() };
        assert!(search(blank).unwrap().query.is_none());
        let site =
            |s: &str| ClaimSearchInput { review_publisher_site_filter: Some(s.into()), ..Default::default() };
        assert_eq!(search(site("News.Example.")).unwrap().site.as_deref(), Some("news.example"));
        for bad in ["", "a b", "-x.example", "x..example", "https://x.example"] {
            assert_eq!(search(site(bad)).unwrap_err(), "/reviewPublisherSiteFilter", "{bad}");
        }
        let words = |page_size, max_age_days| ClaimSearchInput {
            query: Some("homes lost power".into()),
            page_size,
            max_age_days,
            ..Default::default()
        };
        assert_eq!(search(words(None, None)).unwrap().page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(search(words(Some(0), None)).unwrap_err(), "/pageSize");
        assert_eq!(search(words(Some(MAX_PAGE_SIZE + 1), None)).unwrap_err(), "/pageSize");
        assert_eq!(search(words(None, Some(0))).unwrap_err(), "/maxAgeDays");
        let long =
            ClaimSearchInput { query: Some("x".repeat(MAX_SEARCH_QUERY_CHARS + 1)), ..Default::default() };
        assert_eq!(search(long).unwrap_err(), "/query");
    }

    #[test]
    fn an_objection_says_why_and_publications_are_checked_field_by_field() {
        let objection = SignOffInput { decision: Decision::Object, note: None };
        assert_eq!(SignOffDraft::try_from(objection).unwrap_err().pointer, "/note");
        let input = |url: &str, language: &str, authors: Vec<String>| PublicationInput {
            headline: "Claim of 300,000 deaths is accurate".into(),
            summary: "The UN's count supports it.".into(),
            url: url.into(),
            language: language.into(),
            authors,
        };
        assert!(PublicationDraft::try_from(input("https://news.example/fc/1", "en", vec![])).is_ok());
        assert_eq!(PublicationDraft::try_from(input("ftp://x", "en", vec![])).unwrap_err().pointer, "/url");
        assert_eq!(
            PublicationDraft::try_from(input("https://news.example/fc/1", "", vec![])).unwrap_err().pointer,
            "/language"
        );
        let crowd = vec!["A. Writer".to_owned(); MAX_AUTHORS + 1];
        assert_eq!(
            PublicationDraft::try_from(input("https://news.example/fc/1", "en", crowd)).unwrap_err().pointer,
            "/authors"
        );
        let blank = vec!["Ann".to_owned(), " ".to_owned()];
        assert_eq!(
            PublicationDraft::try_from(input("https://news.example/fc/1", "en", blank)).unwrap_err().pointer,
            "/authors/1"
        );
    }
}
