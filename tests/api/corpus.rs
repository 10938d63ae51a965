//! The extractor against hand-annotated corpora: the project's own (tests/corpus, written
//! around the patterns the extractor first knew) and wire copy (tests/corpus-wire), whose test
//! split was written before any tuning and is never read while tuning; its dev split is what
//! tuning looks at. Each prints its measures and misses, and is held to its floors.

use std::collections::HashMap;

use attest::domain::extract::extract;
use attest::domain::kinds::{ClaimQualifier, QuoteKind};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    quotes: Vec<ExpectedQuote>,
    claims: Vec<ExpectedClaim>,
}

#[derive(Deserialize)]
struct ExpectedQuote {
    text: String,
    kind: QuoteKind,
    speaker: String,
    relayed_by: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
struct ExpectedClaim {
    value: String,
    qualifier: ClaimQualifier,
    unit: String,
}

/// Counts for one measure.
#[derive(Default)]
struct Score {
    found: usize,
    expected: usize,
    correct: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.found == 0 { 1.0 } else { self.correct as f64 / self.found as f64 }
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 { 1.0 } else { self.correct as f64 / self.expected as f64 }
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// What a corpus came to.
#[derive(Default)]
struct Measures {
    articles: usize,
    /// Direct and partial quotes, by exact span.
    quotes: Score,
    indirect: Score,
    /// Over every expected quote: found with the right speaker (`found` counts those given one).
    speakers: Score,
    relays: Score,
    /// Numbers by value and qualifier.
    claims: Score,
    /// Of the claims found right, those with the right unit.
    units: Score,
    misses: Vec<String>,
}

fn normal(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let stripped = ["the ", "a ", "an "].iter().find_map(|a| lower.strip_prefix(a)).unwrap_or(&lower);
    stripped.to_owned()
}

fn measure(dir: &str) -> Measures {
    let mut articles: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    articles.sort();
    let mut m = Measures { articles: articles.len(), ..Measures::default() };
    for article in &articles {
        let text = std::fs::read_to_string(article).unwrap();
        let expected: Expected =
            serde_json::from_str(&std::fs::read_to_string(article.with_extension("json")).unwrap()).unwrap();
        let found = extract(&text);
        let name = article.file_name().unwrap().to_string_lossy().to_string();

        for (score, verbatim) in [(&mut m.quotes, true), (&mut m.indirect, false)] {
            let wanted: Vec<&ExpectedQuote> =
                expected.quotes.iter().filter(|q| (q.kind != QuoteKind::Indirect) == verbatim).collect();
            let got: Vec<_> =
                found.quotes.iter().filter(|q| (q.kind != QuoteKind::Indirect) == verbatim).collect();
            score.found += got.len();
            score.expected += wanted.len();
            for q in &got {
                if wanted.iter().any(|w| w.text == q.text) {
                    score.correct += 1;
                } else {
                    m.misses.push(format!("{name}: unexpected {:?} quote {:?}", q.kind, q.text));
                }
            }
            for w in &wanted {
                if !got.iter().any(|q| q.text == w.text) {
                    m.misses.push(format!("{name}: missed {:?} quote {:?}", w.kind, w.text));
                }
            }
        }
        for w in &expected.quotes {
            m.speakers.expected += 1;
            m.relays.expected += usize::from(w.relayed_by.is_some());
            let Some(q) = found.quotes.iter().find(|q| q.text == w.text) else { continue };
            if let Some(speaker) = &q.speaker {
                m.speakers.found += 1;
                if normal(&speaker.name) == normal(&w.speaker) {
                    m.speakers.correct += 1;
                } else {
                    m.misses.push(format!(
                        "{name}: {:?} attributed to {:?}, not {:?}",
                        w.text, speaker.name, w.speaker
                    ));
                }
            } else {
                m.misses.push(format!("{name}: {:?} has no speaker, not {:?}", w.text, w.speaker));
            }
            if let Some(relay) = &q.relayed_by {
                m.relays.found += 1;
                m.relays.correct += usize::from(w.relayed_by.as_deref().map(normal) == Some(normal(relay)));
            }
            if q.relayed_by.as_deref().map(normal) != w.relayed_by.as_deref().map(normal) {
                m.misses.push(format!(
                    "{name}: {:?} relayed by {:?}, not {:?}",
                    w.text, q.relayed_by, w.relayed_by
                ));
            }
        }
        // Claims as a multiset of (value, qualifier); units over the pairs found right.
        let mut wanted: HashMap<(String, ClaimQualifier), Vec<String>> = HashMap::new();
        for c in &expected.claims {
            wanted.entry((c.value.clone(), c.qualifier)).or_default().push(c.unit.clone());
        }
        m.claims.expected += expected.claims.len();
        for c in &found.claims {
            m.claims.found += 1;
            let unit = c.unit.clone().unwrap_or_default();
            match wanted.get_mut(&(c.value.clone(), c.qualifier)).filter(|units| !units.is_empty()) {
                Some(units) => {
                    m.claims.correct += 1;
                    m.units.found += 1;
                    m.units.expected += 1;
                    match units.iter().position(|u| *u == unit) {
                        Some(i) => {
                            units.remove(i);
                            m.units.correct += 1;
                        }
                        None => {
                            let wanted_unit = units.remove(0);
                            m.misses.push(format!(
                                "{name}: {} {:?} has unit {unit:?}, not {wanted_unit:?}",
                                c.value, c.qualifier
                            ));
                        }
                    }
                }
                None => m.misses.push(format!(
                    "{name}: unexpected claim {} {:?} {unit:?} in {:?}",
                    c.value, c.qualifier, c.statement
                )),
            }
        }
        for ((value, qualifier), units) in wanted {
            for unit in units {
                m.misses.push(format!("{name}: missed claim {value} {qualifier:?} {unit:?}"));
            }
        }
    }
    m
}

/// Prints a corpus's measures, and its misses unless `misses` is false (the wire test split's
/// are never printed: what tuning must not look at, it cannot see by accident).
fn report(label: &str, m: &Measures, misses: bool) {
    println!("\nextraction on {label} ({} articles):", m.articles);
    for (what, score) in [
        ("direct and partial quotes", &m.quotes),
        ("indirect speech", &m.indirect),
        ("speakers", &m.speakers),
        ("relayed_by", &m.relays),
        ("numeric claims", &m.claims),
        ("units of claims found", &m.units),
    ] {
        println!(
            "  {what:26} precision {:.3}  recall {:.3}  F1 {:.3}  ({} found, {} expected, {} right)",
            score.precision(),
            score.recall(),
            score.f1(),
            score.found,
            score.expected,
            score.correct
        );
    }
    if misses {
        for miss in &m.misses {
            println!("  - {miss}");
        }
    }
}

#[test]
fn precision_and_recall_on_the_projects_corpus() {
    let m = measure(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus"));
    report("the project's corpus", &m, true);
    assert!(m.articles >= 15, "the corpus has {} articles", m.articles);
    // The floors we reach and hold.
    assert!(m.quotes.precision() >= 0.95 && m.quotes.recall() >= 0.95, "direct quotes below 0.95");
    assert!(m.indirect.precision() >= 0.90 && m.indirect.recall() >= 0.90, "indirect speech below 0.90");
    assert!(m.speakers.precision() >= 0.90 && m.speakers.recall() >= 0.90, "speakers below 0.90");
    assert!(m.claims.precision() >= 0.95 && m.claims.recall() >= 0.95, "numeric claims below 0.95");
}

/// The wire corpus, each split against the floors it holds today: `WIRE_FLOORS` names them.
fn wire(split: &str, floors: &WireFloors) {
    let m = measure(&format!("{}/tests/corpus-wire/{split}", env!("CARGO_MANIFEST_DIR")));
    report(&format!("wire copy, {split} split"), &m, split != "test");
    assert!(m.articles >= 15, "the {split} split has {} articles", m.articles);
    let measured = [
        ("quote span F1", m.quotes.f1(), floors.quote_f1),
        ("quote+speaker accuracy", m.speakers.recall(), floors.speaker_accuracy),
        ("indirect-speech recall", m.indirect.recall(), floors.indirect_recall),
        ("numeric-claim precision", m.claims.precision(), floors.claim_precision),
        ("numeric-claim recall", m.claims.recall(), floors.claim_recall),
        ("units right", m.units.recall(), floors.units),
    ];
    for (what, value, floor) in measured {
        println!("  {what:24} {value:.3} (floor {floor:.2})");
    }
    for (what, value, floor) in measured {
        assert!(value >= floor, "{split} split: {what} {value:.3} is below {floor:.2}");
    }
}

struct WireFloors {
    quote_f1: f64,
    speaker_accuracy: f64,
    indirect_recall: f64,
    claim_precision: f64,
    claim_recall: f64,
    units: f64,
}

/// What the extractor holds on wire copy, the lower of the two splits (dev 110 articles, test
/// 16), each at the goal of issue 24 or a little under what was measured when it was set: dev
/// F1 1.000, speakers 0.998, indirect 0.997, claims 1.000 and 0.998, units 0.997; test 1.000,
/// 0.959, 0.976, 0.962, 0.987, 1.000. The goals of issue 24 are F1 0.97, speakers 0.95,
/// indirect 0.85, claims 0.95 and 0.95, units 0.9 on the test split.
const WIRE_FLOORS: WireFloors = WireFloors {
    quote_f1: 0.99,
    speaker_accuracy: 0.95,
    indirect_recall: 0.97,
    claim_precision: 0.95,
    claim_recall: 0.98,
    units: 0.99,
};

#[test]
fn wire_copy_dev_split() {
    wire("dev", &WIRE_FLOORS);
}

#[test]
fn wire_copy_test_split() {
    wire("test", &WIRE_FLOORS);
}

mod endpoints {
    use reqwest::{Method, StatusCode};
    use serde_json::{Value, json};

    use crate::helpers::{TestApp, id, json, pointer, problem};

    const ARTICLE: &str = "«Nothing is agreed until everything is agreed,» says a senior European official. \
        Ana Ruiz, the ministry's chief negotiator, said on Monday it was unclear whether talks would resume. \
        More than 12,000 homes have lost power.";

    #[tokio::test]
    async fn candidates_are_proposed_then_accepted_as_checked_records() {
        let app = TestApp::spawn().await;
        let source = app.source(ARTICLE).await;
        let extract_path = format!("/sources/{}/extract", id(&source));
        let proposals =
            json(app.request(Method::POST, &extract_path).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(proposals["quotes"].as_array().unwrap().len(), 2, "{proposals}");
        let direct = &proposals["quotes"][0];
        assert_eq!(direct["text"], "Nothing is agreed until everything is agreed,");
        assert_eq!(direct["speaker"]["name"], "senior European official");
        assert_eq!(direct["anchor"]["exact"], direct["text"]);
        assert!(direct["confidence"].as_f64().unwrap() > 0.5);
        let claim = &proposals["claims"][0];
        assert_eq!(
            (claim["value"].clone(), claim["qualifier"].clone(), claim["unit"].clone()),
            (json!("12000"), json!("more_than"), json!("homes"))
        );
        // Nothing is stored by proposing.
        assert_eq!(app.count("quotes").await, 0);

        let accept_path = format!("/sources/{}/candidates/accept", id(&source));
        let chosen = |q: &Value| json!({"text": q["text"], "kind": q["kind"], "start": q["start"], "speaker": q["speaker"], "relayed_by": q["relayed_by"]});
        let claim_choice = json!({"statement": claim["statement"], "statement_start": claim["statement_start"], "value": claim["value"],
                                  "qualifier": claim["qualifier"], "unit": claim["unit"], "metric": claim["metric"]});
        let body = json!({"quotes": [chosen(&proposals["quotes"][0]), chosen(&proposals["quotes"][1])], "claims": [claim_choice]});
        let accepted = json(
            app.request(Method::POST, &accept_path).json(&body).send().await.unwrap(),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(accepted["quotes"].as_array().unwrap().len(), 2);
        assert_eq!(accepted["quotes"][1]["kind"], "indirect");
        assert_eq!(accepted["claims"][0]["value"], "12000");
        assert_eq!(app.count("speakers").await, 2, "a speaker is created once per name");

        // Accepting again reuses the speakers by name.
        let again = app
            .request(Method::POST, &accept_path)
            .json(&json!({"quotes": [chosen(&proposals["quotes"][0])]}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(app.count("speakers").await, 2);

        // A candidate edited so that it no longer matches the text stores nothing at all.
        let mut forged = chosen(&proposals["quotes"][0]);
        forged["text"] = json!("Everything is agreed,");
        let before = app.count("quotes").await;
        let refused = app
            .request(Method::POST, &accept_path)
            .json(&json!({"quotes": [chosen(&proposals["quotes"][1]), forged]}))
            .send()
            .await
            .unwrap();
        let refused = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(pointer(&refused).starts_with("/quotes/1/"), "{refused}");
        assert_eq!(app.count("quotes").await, before);
    }

    /// What extraction proposes can be posted back as it is, each claim with when and where
    /// it holds; offsets that disagree with the text, or a quote with no speaker, store nothing.
    #[tokio::test]
    async fn a_proposal_is_accepted_unchanged() {
        let app = TestApp::spawn().await;
        let source = app.source(ARTICLE).await;
        let proposals = json(
            app.request(Method::POST, &format!("/sources/{}/extract", id(&source))).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let accept_path = format!("/sources/{}/candidates/accept", id(&source));
        let refused = |body: Value, at: &'static str| {
            let app = &app;
            let accept_path = accept_path.clone();
            async move {
                let response = app.request(Method::POST, &accept_path).json(&body).send().await.unwrap();
                let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(pointer(&problem), at, "{problem}");
                assert_eq!(
                    (app.count("quotes").await, app.count("claims").await),
                    (0, 0),
                    "nothing is stored"
                );
            }
        };
        let mut shifted = proposals.clone();
        shifted["quotes"][1]["end"] = json!(shifted["quotes"][1]["end"].as_u64().unwrap() + 1);
        refused(shifted, "/quotes/1/end").await;
        let mut unattributed = proposals.clone();
        unattributed["quotes"][0]["speaker"] = Value::Null;
        refused(unattributed, "/quotes/0/speaker").await;
        let mut outside = proposals.clone();
        outside["claims"][0]["start"] = json!(0);
        refused(outside, "/claims/0/start").await;
        let mut both = proposals.clone();
        both["claims"][0]["as_of"] = json!("2026-03-01");
        both["claims"][0]["period_start"] = json!("2026-01-01");
        refused(both, "/claims/0/as_of").await;

        let mut dated = proposals.clone();
        dated["claims"][0]["period_start"] = json!("2026-02-01");
        dated["claims"][0]["period_end"] = json!("2026-02-28");
        dated["claims"][0]["place"] = json!("Valdoria");
        let accepted = json(
            app.request(Method::POST, &accept_path).json(&dated).send().await.unwrap(),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(accepted["quotes"].as_array().unwrap().len(), 2, "{accepted}");
        let claim = &accepted["claims"][0];
        assert_eq!(
            (
                claim["period_start"].clone(),
                claim["period_end"].clone(),
                claim["place"].clone(),
                claim["as_of"].clone()
            ),
            (json!("2026-02-01"), json!("2026-02-28"), json!("Valdoria"), Value::Null)
        );
        assert_eq!(claim["value"], "12000");
        assert_eq!((app.count("quotes").await, app.count("claims").await), (2, 1));
    }

    #[tokio::test]
    async fn a_source_without_text_has_nothing_to_extract() {
        let app = TestApp::spawn().await;
        let no_text =
            app.create("/sources", json!({"url": "https://tv.example/clip", "kind": "transcript"})).await;
        let response =
            app.request(Method::POST, &format!("/sources/{}/extract", id(&no_text))).send().await.unwrap();
        problem(response, StatusCode::CONFLICT).await;
    }
}
