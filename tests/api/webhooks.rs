//! Webhooks: subscriptions are admins', their secret is shown once and audited never; events
//! are written with the change that makes them and only then, arrive signed per the Standard
//! Webhooks specification and in order per item; failures are retried, logged, given up and
//! the subscription disabled; private targets are refused.

use std::collections::HashMap;
use std::time::Duration;

use attest::services::webhook_delivery::DeliverySettings;
use attest::services::webhooks::TargetPolicy;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, problem, test_deliveries};
use crate::receiver::{Received, Receiver};

const ALL_EVENTS: [&str; 8] = [
    "review.recorded",
    "verdict.stale",
    "fact_check.published",
    "fact_check.corrected",
    "fact_check.unpublished",
    "fact_check.retracted",
    "source.changed",
    "claim.matched",
];

/// Subscribes `url` to `events` as the admin; the answer (with the secret).
async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let created = app
        .request_as(Some(&app.admin.token), Method::POST, "/webhooks")
        .json(&json!({"url": url, "event_types": events}))
        .send()
        .await
        .unwrap();
    json(created, StatusCode::CREATED).await
}

async fn as_admin(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    app.request_as(Some(&app.admin.token), method, path).send().await.unwrap()
}

/// Waits until `done` holds of the subscription's delivery log (oldest first).
async fn deliveries_until(app: &TestApp, hook: &Value, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let path = format!("/webhooks/{}/deliveries?limit=100", id(hook));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let log = json(as_admin(app, Method::GET, &path).await, StatusCode::OK).await;
        let items = log["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(std::time::Instant::now() < deadline, "the delivery log never got there: {log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn subscriptions_are_admins_with_a_secret_shown_once_and_never_audited() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin.token.as_str());
    let created = app
        .request_as(admin, Method::POST, "/webhooks")
        .json(
            &json!({"url": "https://hooks.example/desk", "event_types": ["review.recorded", "claim.matched"],
                      "description": "  Desk alerts "}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let created = json(created, StatusCode::CREATED).await;
    assert_eq!(location, format!("/webhooks/{}", id(&created)));
    let secret = created["secret"].as_str().unwrap().to_owned();
    use base64::Engine;
    let key =
        base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    assert_eq!(key.len(), 32, "{secret}");
    assert_eq!(created["description"], "Desk alerts");
    assert_eq!(created["enabled"], true);

    let read = json(as_admin(&app, Method::GET, &location).await, StatusCode::OK).await;
    assert!(read.get("secret").is_none(), "{read}");
    assert_eq!(read["event_types"], json!(["review.recorded", "claim.matched"]));
    let listed = json(as_admin(&app, Method::GET, "/webhooks").await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret));

    // Changes at the version read: stale and missing validators are refused.
    let change = |tag: Option<&str>, body: Value| {
        let mut request = app.request_as(admin, Method::PATCH, &location).json(&body);
        if let Some(tag) = tag {
            request = request.header("if-match", tag);
        }
        request.send()
    };
    let changed =
        change(Some(&etag(&read)), json!({"event_types": ["fact_check.published"], "description": null}))
            .await
            .unwrap();
    let changed = json(changed, StatusCode::OK).await;
    assert_eq!((changed["version"].clone(), changed["description"].clone()), (json!(2), Value::Null));
    problem(change(Some("\"1\""), json!({"enabled": false})).await.unwrap(), StatusCode::PRECONDITION_FAILED)
        .await;
    problem(change(None, json!({"enabled": false})).await.unwrap(), StatusCode::PRECONDITION_REQUIRED).await;
    problem(change(Some("\"2\""), json!({})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;

    // Bad subscriptions: a clear error each, nothing written.
    for (body, status, pointer) in [
        (json!({"url": "ftp://hooks.example/a", "event_types": ["review.recorded"]}), 422, "/url"),
        (json!({"url": "https://u:pw@hooks.example/a", "event_types": ["review.recorded"]}), 422, "/url"),
        (json!({"url": "https://hooks.example/a", "event_types": []}), 422, "/event_types"),
        (
            json!({"url": "https://hooks.example/a", "event_types": ["claim.matched", "claim.matched"]}),
            422,
            "/event_types/1",
        ),
        (json!({"url": "https://hooks.example/a", "event_types": ["everything"]}), 400, "/event_types/0"),
        (
            json!({"url": "https://hooks.example/a", "event_types": ["review.recorded"], "secret": "whsec_mine"}),
            400,
            "",
        ),
        (
            json!({"url": format!("https://hooks.example/{}", "a".repeat(2100)), "event_types": ["review.recorded"]}),
            422,
            "/url",
        ),
    ] {
        let refused = app.request_as(admin, Method::POST, "/webhooks").json(&body).send().await.unwrap();
        let refused = problem(refused, StatusCode::from_u16(status).unwrap()).await;
        if !pointer.is_empty() {
            assert_eq!(refused["errors"][0]["pointer"], pointer, "{body}: {refused}");
        }
    }
    assert_eq!(app.count("webhook_subscriptions").await, 1);

    // Only admins: a reviewer or editor cannot list, read or create.
    for user in [&app.submitter, &app.reviewer, &app.editor] {
        let refused = app.request_as(Some(&user.token), Method::GET, "/webhooks").send().await.unwrap();
        problem(refused, StatusCode::FORBIDDEN).await;
    }

    // The trail has the subscription's life, never its secret.
    let trail = json(as_admin(&app, Method::GET, "/audit?entity_type=webhook").await, StatusCode::OK).await;
    let actions: Vec<&str> =
        trail["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "update"]);
    assert!(!trail.to_string().contains("whsec_"), "{trail}");

    let deleted = as_admin(&app, Method::DELETE, &location).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(as_admin(&app, Method::GET, &location).await, StatusCode::NOT_FOUND).await;
    problem(as_admin(&app, Method::DELETE, &location).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("webhook_subscriptions").await, 0);
}

/// Addresses of every non-public kind, several of each, spread over their ranges.
fn private_targets() -> Vec<String> {
    let mut targets = Vec::new();
    let mut next = 0x9e37_79b9_u32;
    let mut octet = || {
        next = next.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (next >> 24) as u8
    };
    for _ in 0..4 {
        let (a, b, c) = (octet(), octet(), octet());
        for address in [
            format!("127.{a}.{b}.{c}"),
            format!("10.{a}.{b}.{c}"),
            format!("172.{}.{b}.{c}", 16 + a % 16),
            format!("192.168.{b}.{c}"),
            format!("169.254.{b}.{c}"),
            format!("100.{}.{b}.{c}", 64 + a % 64),
            format!("0.{a}.{b}.{c}"),
            format!("[fe80::{a:x}{b:02x}]"),
            format!("[fd{a:02x}::{b:x}]"),
            format!("[::ffff:127.{a}.{b}.{c}]"),
            format!("[::ffff:10.{a}.{b}.{c}]"),
        ] {
            targets.push(format!("http://{address}:{}/hooks", 1024 + u16::from(c)));
        }
    }
    targets.extend(
        ["http://[::1]/hooks", "http://localhost:8080/hooks", "https://169.254.169.254/latest/meta-data"]
            .map(String::from),
    );
    targets
}

#[tokio::test]
async fn targets_on_private_addresses_are_refused_when_written_and_when_sent() {
    let refusing = DeliverySettings { targets: TargetPolicy { allow_private: false }, ..test_deliveries() };
    let app = TestApp::spawn_delivering(refusing).await;
    let admin = Some(app.admin.token.as_str());
    for target in private_targets() {
        let refused = app
            .request_as(admin, Method::POST, "/webhooks")
            .json(&json!({"url": target, "event_types": ["review.recorded"]}))
            .send()
            .await
            .unwrap();
        let refused = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused["errors"][0]["pointer"], "/url", "{target}: {refused}");
        assert!(refused.to_string().contains("private"), "{target}: {refused}");
    }
    // A public address is accepted; changing it to a private one is not.
    let public = subscribe(&app, "https://93.184.216.34/hooks", &["review.recorded"]).await;
    let moved = app
        .request_as(admin, Method::PATCH, &format!("/webhooks/{}", id(&public)))
        .header("if-match", "\"1\"")
        .json(&json!({"url": "http://10.0.0.7/hooks"}))
        .send()
        .await
        .unwrap();
    problem(moved, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.count("webhook_subscriptions").await, 1);

    // A subscription that names one anyway (written while the server allowed it) is never
    // sent to: the worker checks again at delivery.
    let receiver = Receiver::start().await;
    app.sql(&format!(
        "INSERT INTO webhook_subscriptions (id, url, event_types, secret, created_by) \
         VALUES (gen_random_uuid(), '{}', '{{review.recorded}}', 'whsec_{}', '{}')",
        receiver.url,
        "A".repeat(44),
        app.admin.id
    ))
    .await;
    as_admin(&app, Method::DELETE, &format!("/webhooks/{}", id(&public))).await;
    let claim = app.claim().await;
    app.verified("claims", &claim).await;
    let hooks = json(as_admin(&app, Method::GET, "/webhooks").await, StatusCode::OK).await;
    let log = deliveries_until(&app, &hooks["items"][0], |items| {
        items.first().is_some_and(|d| d["attempts"].as_i64() >= Some(2))
    })
    .await;
    assert!(log[0]["last_error"].as_str().unwrap().contains("private address"), "{log:?}");
    assert_eq!(receiver.received().len(), 0, "nothing reached the private receiver");
}

/// The events the receiver accepted, by id (first arrival), each checked against `secret`.
fn verified_events(received: &[Received], secret: &str) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    for one in received.iter().filter(|r| r.accepted) {
        one.verify(secret).unwrap_or_else(|e| panic!("{e}: {:?}", one.headers));
        let timestamp: i64 = one.headers["webhook-timestamp"].to_str().unwrap().parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 300);
        if !seen.iter().any(|(id, _)| *id == one.id()) {
            seen.push((one.id(), one.json()));
        }
    }
    seen
}

#[tokio::test]
async fn every_event_arrives_signed_in_order_per_item_and_only_when_its_change_commits() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, &receiver.url, &ALL_EVENTS).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    // A second subscription whose receiver is never there: its deliveries stay pending.
    let absent = subscribe(&app, "http://127.0.0.1:9/hooks", &["review.recorded"]).await;

    // Anchored in its source's words, so that a new version of the source re-checks it.
    let source = app.source("More than 12,000 homes have lost power.").await;
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "statement": "More than 12,000 homes have lost power.", "anchor": {},
                   "metric": "homes without power", "qualifier": "more_than", "value": "12000", "unit": "homes"}),
        )
        .await;
    let claim_path = format!("/claims/{}", id(&claim));
    // A refused change emits nothing.
    let stale = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("{claim_path}/reviews"))
        .header("if-match", "\"99\"")
        .json(&json!({"status": "verified", "rating": {"value": 5}, "rationale": "On the record."}))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    app.published("claims", &claim).await;
    let corrected = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("{claim_path}/publication/corrections"))
        .header("if-match", "\"1\"")
        .json(&json!({"note": "The headline's figure was misprinted."}))
        .send()
        .await
        .unwrap();
    json(corrected, StatusCode::OK).await;
    // The same claim in another article matches the published fact-check.
    let other = app.source("More than 12,000 homes have lost power.").await;
    let twin = app
        .create(
            "/claims",
            json!({"source_id": id(&other), "statement": "More than 12,000 homes have lost power.",
                   "metric": "homes without power", "qualifier": "more_than", "value": "12000", "unit": "homes"}),
        )
        .await;
    // The first article's new version changes the words judged: the verdict is stale.
    let version = app
        .create(
            "/sources",
            json!({"url": source["url"], "kind": "article", "content": "Power is back in every home."}),
        )
        .await;
    let retracted = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("{claim_path}/publication/retract"))
        .header("if-match", "\"2\"")
        .json(&json!({"notice": "The figure could not be confirmed."}))
        .send()
        .await
        .unwrap();
    json(retracted, StatusCode::OK).await;

    let received = receiver.accepted(7, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = verified_events(&receiver.received(), &secret);
    assert_eq!(events.len(), 7, "{events:?}; all received: {received:?}");
    let of = |subject: &str| -> Vec<String> {
        events
            .iter()
            .filter(|(_, e)| {
                [&e["data"]["item_id"], &e["data"]["claim_id"], &e["data"]["source_id"]]
                    .iter()
                    .any(|v| *v == subject)
            })
            .map(|(_, e)| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        of(id(&claim)),
        [
            "review.recorded",
            "fact_check.published",
            "fact_check.corrected",
            "verdict.stale",
            "fact_check.retracted"
        ],
        "in the order the changes committed"
    );
    assert_eq!(of(id(&twin)), ["claim.matched"]);
    assert_eq!(of(id(&version)), ["source.changed"]);
    let by_type: HashMap<&str, &Value> =
        events.iter().map(|(_, e)| (e["type"].as_str().unwrap(), e)).collect();
    let review = &by_type["review.recorded"]["data"];
    assert_eq!((review["item_type"].as_str(), review["status"].as_str()), (Some("claim"), Some("verified")));
    assert_eq!(review["rating"]["value"], 5);
    assert_eq!(
        by_type["fact_check.published"]["data"]["url"],
        format!("https://news.example/fact-checks/{}", id(&claim))
    );
    assert_eq!(by_type["fact_check.retracted"]["data"]["notice"], "The figure could not be confirmed.");
    assert_eq!(by_type["fact_check.corrected"]["data"]["version"], 2);
    assert!(!by_type["verdict.stale"]["data"]["reasons"].as_array().unwrap().is_empty());
    assert_eq!(by_type["claim.matched"]["data"]["matches"][0]["reason"], "figure");
    assert_eq!(by_type["source.changed"]["data"]["made_stale"], 1);
    assert!(events.iter().all(|(_, e)| e["timestamp"].as_str().is_some_and(|t| t.ends_with('Z'))));

    // The delivery log: each delivered once, with what was sent and how it was answered.
    let log = deliveries_until(&app, &hook, |items| {
        items.len() == 7 && items.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let mut logged: Vec<&str> = log.iter().map(|d| d["event_id"].as_str().unwrap()).collect();
    let mut arrived: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    logged.sort_unstable();
    arrived.sort_unstable();
    assert_eq!(
        logged, arrived,
        "the log names each event that arrived (in creation order, not arrival order)"
    );
    let first = &log[0];
    assert_eq!((first["attempts"].as_i64(), first["next_attempt_at"].clone()), (Some(1), Value::Null));
    let detail_path = format!("/webhooks/{}/deliveries/{}", id(&hook), id(first));
    let detail = json(as_admin(&app, Method::GET, &detail_path).await, StatusCode::OK).await;
    let sent = events.iter().find(|(id, _)| id == first["event_id"].as_str().unwrap()).unwrap();
    assert_eq!(detail["payload"], sent.1);
    assert_eq!(detail["attempt_log"][0]["status"], 200);
    assert_eq!(detail["attempt_log"][0]["response_excerpt"], "thanks");
    let newest = json(
        as_admin(&app, Method::GET, &format!("/webhooks/{}/deliveries?sort=-created_at&limit=1", id(&hook)))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(newest["items"][0]["event_type"], "fact_check.retracted");

    // Redelivery: a delivered event again, with the same webhook-id; a pending one waits.
    let again = as_admin(&app, Method::POST, &format!("{detail_path}/redeliver")).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let again = json(again, StatusCode::ACCEPTED).await;
    assert_eq!(
        (again["redelivery_of"].as_str(), again["event_id"].as_str()),
        (Some(id(first)), first["event_id"].as_str())
    );
    let twice = receiver.accepted(8, Duration::from_secs(30)).await;
    assert_eq!(twice[7].id(), first["event_id"].as_str().unwrap());
    twice[7].verify(&secret).unwrap();
    let pending = deliveries_until(&app, &absent, |items| {
        items.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    assert_eq!(pending.len(), 1, "one review was recorded: {pending:?}");
    assert_eq!(pending[0]["state"], "pending");
    assert!(pending[0]["last_error"].as_str().unwrap().contains("Connection refused"), "{pending:?}");
    let refused = as_admin(
        &app,
        Method::POST,
        &format!("/webhooks/{}/deliveries/{}/redeliver", id(&absent), id(&pending[0])),
    )
    .await;
    problem(refused, StatusCode::CONFLICT).await;
    // Another subscription's delivery is not this one's to read or send.
    problem(
        as_admin(&app, Method::GET, &format!("/webhooks/{}/deliveries/{}", id(&absent), id(first))).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_then_its_subscription_disabled_and_resumed() {
    let app = TestApp::spawn_delivering(DeliverySettings {
        retry_for: Duration::from_secs(2),
        ..test_deliveries()
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.answer_with(500);
    let hook = subscribe(&app, &receiver.url, &["review.recorded"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let claim = app.claim().await;
    app.verified("claims", &claim).await;

    let failed =
        deliveries_until(&app, &hook, |items| items.first().is_some_and(|d| d["state"] == "failed")).await;
    let read =
        json(as_admin(&app, Method::GET, &format!("/webhooks/{}", id(&hook))).await, StatusCode::OK).await;
    assert_eq!(read["enabled"], false, "{read}");
    assert!(read["disabled_reason"].as_str().unwrap().contains("HTTP 500"), "{read}");
    let detail_path = format!("/webhooks/{}/deliveries/{}", id(&hook), id(&failed[0]));
    let detail = json(as_admin(&app, Method::GET, &detail_path).await, StatusCode::OK).await;
    let attempts = detail["attempt_log"].as_array().unwrap();
    // Backing off: a few attempts in two seconds, not hundreds, each with the same event.
    assert!((3..=12).contains(&attempts.len()), "{detail}");
    assert!(
        attempts
            .iter()
            .all(|a| a["status"] == 500 && a["response_excerpt"] == "the receiver is failing on purpose")
    );
    let tried = receiver.received();
    assert_eq!(tried.len(), attempts.len());
    assert!(
        tried.iter().all(|r| r.id() == detail["event_id"].as_str().unwrap() && r.verify(&secret).is_ok())
    );
    let at = |a: &Value| chrono::DateTime::parse_from_rfc3339(a["attempted_at"].as_str().unwrap()).unwrap();
    let gaps: Vec<i64> = attempts.windows(2).map(|w| (at(&w[1]) - at(&w[0])).num_milliseconds()).collect();
    assert!(gaps.iter().all(|gap| *gap >= 40), "{gaps:?} {detail}");
    assert!(gaps.last() > gaps.first(), "the waits grow: {gaps:?}");

    // While disabled, new events are not queued for it.
    let editor_review = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("/claims/{}/reviews", id(&claim)))
        .header(
            "if-match",
            etag(&json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await),
        )
        .json(&json!({"status": "disputed", "rationale": "A second look."}))
        .send()
        .await
        .unwrap();
    json(editor_review, StatusCode::CREATED).await;
    assert_eq!(app.count("webhook_deliveries").await, 1);

    // The receiver mends; the admin re-enables and sends the failed event again.
    receiver.answer_with(200);
    let enabled = app
        .request_as(Some(&app.admin.token), Method::PATCH, &format!("/webhooks/{}", id(&hook)))
        .header("if-match", etag(&read))
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    let enabled = json(enabled, StatusCode::OK).await;
    assert_eq!((enabled["enabled"].clone(), enabled["disabled_reason"].clone()), (json!(true), Value::Null));
    let again = as_admin(&app, Method::POST, &format!("{detail_path}/redeliver")).await;
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    let again = json(again, StatusCode::ACCEPTED).await;
    assert_eq!(location, format!("/webhooks/{}/deliveries/{}", id(&hook), id(&again)));
    let arrived = receiver.accepted(1, Duration::from_secs(30)).await;
    assert_eq!(arrived[0].id(), detail["event_id"].as_str().unwrap());
    arrived[0].verify(&secret).unwrap();
    let unknown =
        format!("/webhooks/{}/deliveries/0192f0c0-0000-7000-8000-000000000000/redeliver", id(&hook));
    problem(as_admin(&app, Method::POST, &unknown).await, StatusCode::NOT_FOUND).await;
}
