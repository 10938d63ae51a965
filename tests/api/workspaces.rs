//! Workspaces: one newsroom never sees or touches another's records, whatever the route,
//! because PostgreSQL itself refuses (row-level security); what is published is shared.

use attest::domain::kinds::Role;
use attest::http::middleware::access::Access;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, add_user_to, etag, id, json, pointer, problem, test_keys};

/// A second newsroom on the test server, with one member of each role.
struct Newsroom {
    slug: &'static str,
    members: Vec<(Role, TestUser)>,
}

impl Newsroom {
    fn member(&self, role: Role) -> &TestUser {
        &self.members.iter().find(|(r, _)| *r == role).unwrap().1
    }
}

/// Creates the workspace `slug` through the API (as the instance administrator), with a
/// member of each role.
async fn newsroom(app: &TestApp, slug: &'static str) -> Newsroom {
    let created = app
        .request_as(Some(&app.admin.token), Method::POST, "/workspaces")
        .json(&json!({"slug": slug, "name": format!("The {slug} desk"), "publisher_name": format!("{slug} Fact Check")}))
        .send()
        .await
        .unwrap();
    let created = json(created, StatusCode::CREATED).await;
    assert_eq!(created["slug"], slug);
    let mut members = Vec::new();
    for role in [Role::Submitter, Role::Reviewer, Role::Editor, Role::Admin] {
        let email = format!("{role:?}@{slug}.example").to_lowercase();
        members.push((role, add_user_to(&app.database_url, &test_keys(), slug, role, &email).await));
    }
    Newsroom { slug, members }
}

fn in_workspace(request: reqwest::RequestBuilder, slug: &str) -> reqwest::RequestBuilder {
    request.header("attest-workspace", slug)
}

/// One of everything the default workspace has that a route could name.
struct Seeded {
    source: String,
    speaker: String,
    quote: String,
    claim: String,
    api_key: String,
    merge: String,
    webhook: String,
    delivery: String,
    /// A member of the default workspace only.
    user: String,
    /// Every id above, and the default workspace's: none may appear in an answer elsewhere.
    ids: Vec<String>,
}

async fn seed_default(app: &TestApp) -> Seeded {
    // A subscription to every event, whose receiver is never there: each event below stays
    // pending in its delivery log.
    let webhook = app
        .request_as(Some(&app.admin.token), Method::POST, "/webhooks")
        .json(&json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["review.recorded", "fact_check.published"]}))
        .send()
        .await
        .unwrap();
    let webhook = json(webhook, StatusCode::CREATED).await;
    let source =
        app.source("«We will not sign,» the delegate said. More than 12,000 homes lost power.").await;
    let speaker = app.speaker("Ana Reyes").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                   "text": "We will not sign"}),
        )
        .await;
    let claim = app.claim().await;
    let verified = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("/quotes/{}/reviews", id(&quote)))
        .header("if-match", etag(&quote))
        .json(&json!({"status": "verified", "rating": {"value": 5}, "rationale": "On the record.",
                      "evidence": [{"source_id": id(&source), "note": "The article"}]}))
        .send()
        .await
        .unwrap();
    json(verified, StatusCode::CREATED).await;
    // Approved, published and corrected: a row in every table of publication.
    let quote_path = format!("/quotes/{}", id(&quote));
    let approved = app
        .request_as(Some(&app.admin.token), Method::POST, &format!("{quote_path}/sign-offs"))
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    json(approved, StatusCode::CREATED).await;
    let published = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("{quote_path}/publish"))
        .json(&json!({"headline": "The delegate did say it", "summary": "The article quotes the delegate.",
                      "url": "https://news.example/fact-checks/sign", "language": "en"}))
        .send()
        .await
        .unwrap();
    json(published, StatusCode::CREATED).await;
    let corrected = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("{quote_path}/publication/corrections"))
        .header("if-match", "\"1\"")
        .json(&json!({"note": "The delegate's name was misspelled."}))
        .send()
        .await
        .unwrap();
    json(corrected, StatusCode::OK).await;
    // A new version of the source, which re-checks the quote.
    app.create(
        "/sources",
        json!({"url": source["url"], "kind": "article",
               "content": "«We will not sign,» the delegate said. Talks resume on Monday."}),
    )
    .await;
    let key = app
        .request_as(Some(&app.admin.token), Method::POST, "/api-keys")
        .json(&json!({"name": "wire ingest", "user_id": app.submitter.id, "role": "submitter"}))
        .send()
        .await
        .unwrap();
    let key = json(key, StatusCode::CREATED).await;
    // A second record of the same speaker, merged into the first.
    let twin = app.speaker("A. Reyes").await;
    let merge = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("/speakers/{}/merge", id(&twin)))
        .header("if-match", etag(&twin))
        .json(&json!({"into": id(&speaker)}))
        .send()
        .await
        .unwrap();
    let merge = json(merge, StatusCode::CREATED).await;
    let default = json(app.get("/workspace").await, StatusCode::OK).await;
    let deliveries = app
        .request_as(Some(&app.admin.token), Method::GET, &format!("/webhooks/{}/deliveries", id(&webhook)))
        .send()
        .await
        .unwrap();
    let deliveries = json(deliveries, StatusCode::OK).await;
    let delivery = &deliveries["items"][0];
    let mut ids: Vec<String> =
        [&source, &speaker, &quote, &claim, &key, &default, &merge, &twin, &webhook, delivery]
            .iter()
            .map(|v| id(v).to_owned())
            .collect();
    ids.push(app.reviewer.id.to_string());
    Seeded {
        source: id(&source).into(),
        speaker: id(&speaker).into(),
        quote: id(&quote).into(),
        claim: id(&claim).into(),
        api_key: id(&key).into(),
        merge: id(&merge).into(),
        webhook: id(&webhook).into(),
        delivery: id(delivery).into(),
        user: app.reviewer.id.to_string(),
        ids,
    }
}

/// A digest of every row the default workspace owns, table by table, read as the owner.
async fn default_rows(app: &TestApp) -> Vec<(String, i64, String)> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Digest {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        digest: String,
    }
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    let mut digests = Vec::new();
    let tables = [
        "sources",
        "speakers",
        "quotes",
        "claims",
        "reviews",
        "review_evidence",
        "audit_events",
        "api_keys",
        "fact_checks",
        "memberships",
        "webhook_subscriptions",
    ];
    for table in tables {
        let query = format!(
            "SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest \
             FROM {table} t WHERE workspace_id = (SELECT id FROM workspaces WHERE slug = 'default')"
        );
        let digest: Digest = diesel::sql_query(query).get_result(&mut conn).await.unwrap();
        digests.push((table.to_owned(), digest.rows, digest.digest));
    }
    digests
}

/// A request body each route accepts as well formed, so that what it answers is about the
/// record it names, not about the body.
fn body_for(method: &Method, path: &str, seeded: &Seeded) -> Option<Value> {
    let body = match (method.as_str(), path) {
        ("POST", "/quotes/{id}/reviews" | "/claims/{id}/reviews") => json!({"status": "in_review"}),
        ("POST", "/quotes/{id}/variant-of") => json!({"canonical_id": seeded.quote}),
        ("POST", "/speakers/{id}/merge") => json!({"into": seeded.speaker}),
        ("PUT", "/speakers/{id}/identification") => {
            json!({"speaker_id": seeded.speaker, "evidence": "A memoir."})
        }
        ("POST", "/sources/{id}/candidates/accept") => json!({"quotes": [], "claims": []}),
        ("POST", "/quotes/{id}/sign-offs" | "/claims/{id}/sign-offs") => json!({"decision": "approve"}),
        ("POST", "/quotes/{id}/publish" | "/claims/{id}/publish") => {
            json!({"headline": "Theirs", "summary": "Theirs.", "url": "https://north.example/fc", "language": "en"})
        }
        ("POST", "/quotes/{id}/publication/corrections" | "/claims/{id}/publication/corrections") => {
            json!({"note": "Theirs."})
        }
        ("POST", p) if p.ends_with("/publication/unpublish") || p.ends_with("/publication/retract") => {
            json!({"notice": "Theirs."})
        }
        ("PATCH", "/users/{id}") => json!({"display_name": "Renamed"}),
        ("POST", "/quotes") => json!({"source_id": seeded.source, "speaker_id": seeded.speaker,
                                      "kind": "direct", "text": "We will not sign"}),
        ("POST", "/claims") => {
            json!({"source_id": seeded.source, "statement": "More than 12,000 homes lost power.",
                                      "metric": "homes without power", "qualifier": "more_than", "value": "12000"})
        }
        ("POST", "/quotes/batch") => {
            json!({"items": [{"source_id": seeded.source, "speaker_id": seeded.speaker,
                                                       "kind": "direct", "text": "We will not sign"}]})
        }
        ("POST", "/claims/batch") => {
            json!({"items": [{"source_id": seeded.source, "statement": "12,000 homes.",
                                                       "metric": "homes", "qualifier": "exact", "value": "12000"}]})
        }
        ("POST", "/api-keys") => json!({"name": "theirs", "user_id": seeded.user, "role": "submitter"}),
        ("POST", "/webhooks") => {
            json!({"url": "http://127.0.0.1:9/theirs", "event_types": ["claim.matched"]})
        }
        ("PATCH", "/webhooks/{id}") => json!({"description": "Theirs"}),
        ("POST", "/sources") => json!({"url": "https://north.example/a", "kind": "article"}),
        ("POST", "/sources/batch") => {
            json!({"items": [{"url": "https://north.example/b", "kind": "article"}]})
        }
        ("POST", "/speakers") => json!({"name": "Someone Else", "kind": "person"}),
        ("POST", "/speakers/batch") => json!({"items": [{"name": "Someone Else", "kind": "person"}]}),
        ("POST", "/users") => {
            json!({"email": "new@north.example", "display_name": "New", "role": "submitter",
                                     "password": crate::helpers::PASSWORD})
        }
        ("POST", "/members") => return None,
        ("PATCH", "/workspace") => json!({"figure_tolerance_percent": "1"}),
        ("GET" | "HEAD" | "DELETE", _) => return Some(Value::Null),
        _ => json!({}),
    };
    Some(body)
}

/// The query a collection route needs to answer at all.
fn query_for(path: &str) -> &'static str {
    match path {
        "/search" => "?q=sign",
        "/claimreview" => "?since=2000-01-01T00:00:00Z",
        "/audit" => "?entity_type=quote",
        "/sources/{id}/diff" => "?against=00000000-0000-7000-8000-00000000d1ff",
        _ => "",
    }
}

/// The default workspace's record each `{id}` route would name.
fn target<'a>(path: &str, seeded: &'a Seeded) -> &'a str {
    match path.split('/').nth(1).unwrap() {
        "sources" => &seeded.source,
        "speakers" => &seeded.speaker,
        "quotes" => &seeded.quote,
        "claims" => &seeded.claim,
        "api-keys" => &seeded.api_key,
        "users" | "members" => &seeded.user,
        "speaker-merges" => &seeded.merge,
        "webhooks" => &seeded.webhook,
        other => panic!("no record of the default workspace for /{other}"),
    }
}

#[tokio::test]
async fn a_member_of_one_workspace_gets_nothing_of_another_on_any_route() {
    let app = TestApp::spawn().await;
    let seeded = seed_default(&app).await;
    let north = newsroom(&app, "north").await;
    let before = default_rows(&app).await;
    let mut checked = 0;
    for endpoint in attest::http::routes::endpoints() {
        let required = match endpoint.access {
            Access::Read => Role::Submitter,
            Access::Role(role) => role,
            // Probes, signing in, one's own account and the shared fact-checks act in no
            // workspace (GET /workspaces is checked below).
            Access::Public | Access::Account | Access::Open | Access::Shared => continue,
        };
        let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
        let Some(body) = body_for(&method, &endpoint.path, &seeded) else { continue };
        let names_a_record = endpoint.path.contains("{id}");
        let path = match names_a_record {
            true => {
                format!(
                    "{}{}",
                    endpoint
                        .path
                        .replace("{id}", target(&endpoint.path, &seeded))
                        .replace("{delivery_id}", &seeded.delivery),
                    query_for(&endpoint.path)
                )
            }
            false => format!("{}{}", endpoint.path, query_for(&endpoint.path)),
        };
        for (role, member) in &north.members {
            let mut request =
                in_workspace(app.request_as(Some(&member.token), method.clone(), &path), north.slug)
                    .header("if-match", "\"1\"");
            if !body.is_null() {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            let what = format!("{method} {path} as {role:?} of north: {status} {text}");
            // Only what the request itself named may come back (in a "no such record").
            let named = format!("{path} {body}");
            for other in seeded.ids.iter().filter(|other| !named.contains(other.as_str())) {
                assert!(!text.contains(other.as_str()), "the default workspace's {other} leaked: {what}");
            }
            assert!(!status.is_server_error(), "{what}");
            if *role < required {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
            } else if names_a_record {
                assert_eq!(status, StatusCode::NOT_FOUND, "not 403: existence does not leak. {what}");
            } else if ["/quotes", "/claims", "/quotes/batch", "/claims/batch", "/api-keys"]
                .contains(&endpoint.path.as_str())
                && method == Method::POST
            {
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "a reference to another workspace: {what}"
                );
            } else {
                assert!(status.is_success() || status == StatusCode::CONFLICT, "{what}");
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} requests were made");
    // Not one row of the default workspace was written, whatever was asked.
    assert_eq!(default_rows(&app).await, before);

    // Its list of workspaces is its own.
    let listed = app
        .request_as(Some(&north.member(Role::Admin).token), Method::GET, "/workspaces")
        .send()
        .await
        .unwrap();
    let listed = json(listed, StatusCode::OK).await;
    let slugs: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|w| w["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["north"]);
}

#[tokio::test]
async fn naming_no_workspace_means_the_default_and_a_stranger_to_it_finds_nothing() {
    let app = TestApp::spawn().await;
    let seeded = seed_default(&app).await;
    let north = newsroom(&app, "north").await;
    let outsider = &north.member(Role::Editor).token;
    for path in [format!("/quotes/{}", seeded.quote), "/quotes".into(), "/workspace".into()] {
        let response = app.request_as(Some(outsider), Method::GET, &path).send().await.unwrap();
        let found = problem(response, StatusCode::NOT_FOUND).await;
        assert!(found["detail"].as_str().unwrap().contains("default"), "{found}");
    }
    // A workspace that does not exist answers exactly like one the caller is not in.
    let unknown =
        in_workspace(app.request_as(Some(outsider), Method::GET, "/quotes"), "south").send().await.unwrap();
    problem(unknown, StatusCode::NOT_FOUND).await;
    let not_mine = in_workspace(app.request_as(Some(&app.editor.token), Method::GET, "/quotes"), "north")
        .send()
        .await
        .unwrap();
    let not_mine = problem(not_mine, StatusCode::NOT_FOUND).await;
    assert!(!not_mine.to_string().contains("member of\" north"), "{not_mine}");
    // A header that is not a slug is a bad request, not a lookup.
    for bad in ["North", "-north", "no rth", &"n".repeat(64)] {
        let response =
            in_workspace(app.request_as(Some(outsider), Method::GET, "/quotes"), bad).send().await.unwrap();
        problem(response, StatusCode::BAD_REQUEST).await;
    }
    // The default workspace's members still work without naming it. An answer depends on
    // the workspace: shared caches are told so.
    let read = app.get(&format!("/quotes/{}", seeded.quote)).await;
    assert_eq!(read.status(), StatusCode::OK);
    let vary: Vec<&str> = read.headers().get_all("vary").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(vary.iter().any(|v| v.contains("Attest-Workspace")), "{vary:?}");
}

#[tokio::test]
async fn an_api_key_acts_in_its_own_workspace_only() {
    let app = TestApp::spawn().await;
    let north = newsroom(&app, "north").await;
    let admin = &north.member(Role::Admin).token;
    let submitter = north.member(Role::Submitter);
    let key = in_workspace(app.request_as(Some(admin), Method::POST, "/api-keys"), "north")
        .json(&json!({"name": "north wire", "user_id": submitter.id, "role": "submitter"}))
        .send()
        .await
        .unwrap();
    let secret = json(key, StatusCode::CREATED).await["secret"].as_str().unwrap().to_owned();
    // Without a header, the key's own workspace.
    let created = app
        .request_as(Some(&secret), Method::POST, "/sources")
        .json(&json!({"url": "https://north.example/wire", "kind": "article"}))
        .send()
        .await
        .unwrap();
    let created = json(created, StatusCode::CREATED).await;
    let read = in_workspace(
        app.request_as(Some(admin), Method::GET, &format!("/sources/{}", id(&created))),
        "north",
    );
    assert_eq!(read.send().await.unwrap().status(), StatusCode::OK);
    problem(app.get(&format!("/sources/{}", id(&created))).await, StatusCode::NOT_FOUND).await;
    // Naming another workspace, even one its user belongs to, is not found.
    let elsewhere = in_workspace(app.request_as(Some(&secret), Method::GET, "/sources"), "default");
    problem(elsewhere.send().await.unwrap(), StatusCode::NOT_FOUND).await;
    // The default workspace's admin neither lists nor revokes it.
    let listed = json(
        app.request_as(Some(&app.admin.token), Method::GET, "/api-keys").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    // A key for someone who is not a member here is refused.
    let stranger = in_workspace(app.request_as(Some(admin), Method::POST, "/api-keys"), "north")
        .json(&json!({"name": "x", "user_id": app.submitter.id, "role": "submitter"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(stranger, StatusCode::UNPROCESSABLE_ENTITY).await), "/user_id");
}

#[tokio::test]
async fn roles_are_per_workspace_and_only_instance_administrators_create_workspaces() {
    let app = TestApp::spawn().await;
    let north = newsroom(&app, "north").await;
    // The default workspace's reviewer joins north as a submitter.
    let joined = in_workspace(
        app.request_as(Some(&north.member(Role::Admin).token), Method::POST, "/members"),
        "north",
    )
    .json(&json!({"email": app.reviewer.email, "role": "submitter"}))
    .send()
    .await
    .unwrap();
    assert_eq!(json(joined, StatusCode::CREATED).await["role"], "submitter");
    let me = json(
        app.request_as(Some(&app.reviewer.token), Method::GET, "/me").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let roles: Vec<(&str, &str)> = me["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["slug"].as_str().unwrap(), w["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("default", "reviewer"), ("north", "submitter")]);
    let queue = |slug: &str| {
        in_workspace(app.request_as(Some(&app.reviewer.token), Method::GET, "/review-queue"), slug)
    };
    assert_eq!(queue("default").send().await.unwrap().status(), StatusCode::OK);
    problem(queue("north").send().await.unwrap(), StatusCode::FORBIDDEN).await;
    // Its account belongs to two workspaces now: north's admin may not rename it.
    let member = in_workspace(
        app.request_as(
            Some(&north.member(Role::Admin).token),
            Method::GET,
            &format!("/users/{}", app.reviewer.id),
        ),
        "north",
    );
    let member = json(member.send().await.unwrap(), StatusCode::OK).await;
    let rename = in_workspace(
        app.request_as(
            Some(&north.member(Role::Admin).token),
            Method::PATCH,
            &format!("/users/{}", app.reviewer.id),
        ),
        "north",
    )
    .header("if-match", etag(&member))
    .json(&json!({"display_name": "Renamed by north"}));
    problem(rename.send().await.unwrap(), StatusCode::FORBIDDEN).await;

    let refused = app
        .request_as(Some(&north.member(Role::Admin).token), Method::POST, "/workspaces")
        .json(&json!({"slug": "south", "name": "South"}))
        .send()
        .await
        .unwrap();
    problem(refused, StatusCode::FORBIDDEN).await;
    let taken = app
        .request_as(Some(&app.admin.token), Method::POST, "/workspaces")
        .json(&json!({"slug": "north", "name": "Another north"}))
        .send()
        .await
        .unwrap();
    problem(taken, StatusCode::CONFLICT).await;
    // Leaving ends the access at once.
    let left = in_workspace(
        app.request_as(
            Some(&north.member(Role::Admin).token),
            Method::DELETE,
            &format!("/members/{}", app.reviewer.id),
        ),
        "north",
    );
    assert_eq!(left.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    problem(
        in_workspace(app.request_as(Some(&app.reviewer.token), Method::GET, "/quotes"), "north")
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn each_workspace_rates_on_its_own_scale_and_publishes_as_itself() {
    let app = TestApp::spawn().await;
    let north = newsroom(&app, "north").await;
    let admin = &north.member(Role::Admin).token;
    let settings = json(
        in_workspace(app.request_as(Some(admin), Method::GET, "/workspace"), "north").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let scale = json!([{"value": 0, "label": "Pants on fire"}, {"value": 5, "label": "Half true"},
                       {"value": 10, "label": "True"}]);
    let changed = in_workspace(app.request_as(Some(admin), Method::PATCH, "/workspace"), "north")
        .header("if-match", etag(&settings))
        .json(&json!({"rating_scale": scale, "sign_off": [{"role": "editor", "count": 1}],
                      "figure_tolerance_percent": "2.5", "publisher_url": "https://north.example/factcheck",
                      "publisher_logo_url": "https://north.example/logo.svg"}))
        .send()
        .await
        .unwrap();
    let changed = json(changed, StatusCode::OK).await;
    assert_eq!(changed["rating_scale"], scale);
    assert_eq!(changed["figure_tolerance_percent"], "2.5");
    assert_eq!(changed["sign_off"], json!([{"role": "editor", "count": 1}]));
    let bad = in_workspace(app.request_as(Some(admin), Method::PATCH, "/workspace"), "north")
        .header("if-match", etag(&changed))
        .json(&json!({"rating_scale": [{"value": 2, "label": "A"}, {"value": 1, "label": "B"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await), "/rating_scale/1/value");
    // The default workspace's settings did not move.
    let default = json(app.get("/workspace").await, StatusCode::OK).await;
    assert_eq!(default["rating_scale"][4], json!({"value": 5, "label": "True"}));

    let north_post = |method: Method, path: String, token: &str| {
        in_workspace(app.request_as(Some(token), method, &path), "north")
    };
    let submitter = &north.member(Role::Submitter).token;
    let source = north_post(Method::POST, "/sources".into(), submitter)
        .json(&json!({"url": "https://north.example/1", "kind": "article", "content": "Turnout was 61%."}))
        .send()
        .await
        .unwrap();
    let source = json(source, StatusCode::CREATED).await;
    let claim = north_post(Method::POST, "/claims".into(), submitter)
        .json(&json!({"source_id": id(&source), "statement": "Turnout was 61%.", "metric": "turnout",
                      "qualifier": "exact", "value": "61", "unit": "percent"}))
        .send()
        .await
        .unwrap();
    let claim = json(claim, StatusCode::CREATED).await;
    let reviewer = &north.member(Role::Reviewer).token;
    let off_scale = north_post(Method::POST, format!("/claims/{}/reviews", id(&claim)), reviewer)
        .header("if-match", etag(&claim))
        .json(&json!({"status": "verified", "rating": {"value": 4}}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(off_scale, StatusCode::UNPROCESSABLE_ENTITY).await), "/rating/value");
    let misnamed = north_post(Method::POST, format!("/claims/{}/reviews", id(&claim)), reviewer)
        .header("if-match", etag(&claim))
        .json(&json!({"status": "verified", "rating": {"value": 10, "label": "Mostly true"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(misnamed, StatusCode::UNPROCESSABLE_ENTITY).await), "/rating/label");
    let review = north_post(Method::POST, format!("/claims/{}/reviews", id(&claim)), reviewer)
        .header("if-match", etag(&claim))
        .json(&json!({"status": "verified", "rating": {"value": 10}}))
        .send()
        .await
        .unwrap();
    let review = json(review, StatusCode::CREATED).await;
    assert_eq!(review["rating"], json!({"value": 10, "label": "True", "best": 10, "worst": 0}));
    // Its policy asks for an editor's approval before an editor publishes.
    let editor = &north.member(Role::Editor).token;
    let publish = || {
        north_post(Method::POST, format!("/claims/{}/publish", id(&claim)), editor)
            .json(&json!({"headline": "Turnout was 61%", "summary": "The commission's figure.",
                          "url": "https://north.example/factcheck/turnout", "language": "en"}))
            .send()
    };
    let unsigned = problem(publish().await.unwrap(), StatusCode::CONFLICT).await;
    assert!(unsigned["detail"].as_str().unwrap().contains("1 from \"editor\""), "{unsigned}");
    let approval = north_post(Method::POST, format!("/claims/{}/sign-offs", id(&claim)), editor)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(approval, StatusCode::CREATED).await["signed_off"], true);
    json(publish().await.unwrap(), StatusCode::CREATED).await;
    let document = north_post(Method::GET, format!("/claims/{}/claimreview", id(&claim)), submitter)
        .send()
        .await
        .unwrap();
    let document = json(document, StatusCode::OK).await;
    assert_eq!(document["reviewRating"]["bestRating"], 10);
    assert_eq!(document["reviewRating"]["worstRating"], 0);
    assert_eq!(document["author"]["name"], "north Fact Check");
    assert_eq!(document["author"]["url"], "https://north.example/factcheck");
    assert_eq!(
        document["publisher"]["logo"]["url"], "https://north.example/logo.svg",
        "its own, not the server's"
    );
}

#[tokio::test]
async fn published_verdicts_are_shared_and_drafts_are_not() {
    let app = TestApp::spawn_public().await;
    let seeded = seed_default(&app).await;
    let north = newsroom(&app, "north").await;
    let submitter = &north.member(Role::Submitter).token;
    let source = in_workspace(app.request_as(Some(submitter), Method::POST, "/sources"), "north")
        .json(&json!({"url": "https://north.example/2", "kind": "article"}))
        .send()
        .await
        .unwrap();
    let source = json(source, StatusCode::CREATED).await;
    let speaker = in_workspace(app.request_as(Some(submitter), Method::POST, "/speakers"), "north")
        .json(&json!({"name": "Ana Reyes", "kind": "person"}))
        .send()
        .await
        .unwrap();
    let speaker = json(speaker, StatusCode::CREATED).await;
    let quote = in_workspace(app.request_as(Some(submitter), Method::POST, "/quotes"), "north")
        .json(&json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                      "text": "We will not sign!"}))
        .send()
        .await
        .unwrap();
    let quote = json(quote, StatusCode::CREATED).await;
    // North's provenance shows the default workspace's published verdict on the same words.
    let provenance = in_workspace(
        app.request_as(Some(submitter), Method::GET, &format!("/quotes/{}/provenance", id(&quote))),
        "north",
    );
    let provenance = json(provenance.send().await.unwrap(), StatusCode::OK).await;
    let elsewhere = provenance["published_elsewhere"].as_array().unwrap();
    assert_eq!(elsewhere.len(), 1, "{provenance}");
    assert_eq!(elsewhere[0]["workspace"], "default");
    assert_eq!(elsewhere[0]["quote_id"], seeded.quote.as_str());
    assert_eq!(elsewhere[0]["rating"]["label"], "True");
    // Its draft (an unreviewed quote) is nowhere in the default workspace's answers.
    let default_provenance =
        json(app.get(&format!("/quotes/{}/provenance", seeded.quote)).await, StatusCode::OK).await;
    assert_eq!(default_provenance["published_elsewhere"], json!([]), "north has published nothing");
    assert!(!default_provenance.to_string().contains(id(&quote)));

    // Every signed-in caller reads every workspace's fact-checks; anonymous readers only those
    // of workspaces that publish publicly (the default does not, yet).
    let shared = json(
        app.request_as(Some(submitter), Method::GET, "/fact-checks").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared["items"].as_array().unwrap().len(), 1);
    let anonymous =
        json(app.request_as(None, Method::GET, "/fact-checks").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(anonymous["items"], json!([]));
    app.change_workspace(json!({"public_fact_checks": true})).await;
    let anonymous =
        json(app.request_as(None, Method::GET, "/fact-checks").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(anonymous["items"][0]["claim_reviewed"], "We will not sign");
    // An anonymous reader of a public-read server still reads one workspace's records only.
    let north_quotes =
        in_workspace(app.request_as(None, Method::GET, "/quotes"), "north").send().await.unwrap();
    let north_quotes = json(north_quotes, StatusCode::OK).await;
    assert_eq!(north_quotes["items"].as_array().unwrap().len(), 1);
    assert_eq!(north_quotes["items"][0]["id"], id(&quote));
}

/// Rows of `table` a raw query sees on `conn`: all of them, and those of another workspace
/// than `workspace`.
async fn visible(
    conn: &mut diesel_async::AsyncPgConnection,
    table: &str,
    workspace: Option<&str>,
) -> (i64, i64) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Seen {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        all: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        elsewhere: i64,
    }
    // Rows of any workspace other than `workspace` (with none: every row is elsewhere).
    let other = workspace.map_or("true".to_owned(), |id| format!("workspace_id IS DISTINCT FROM '{id}'"));
    let all = format!("SELECT count(*) AS all, count(*) FILTER (WHERE {other}) AS elsewhere FROM {table}");
    let seen: Seen = diesel::sql_query(all).get_result(conn).await.unwrap();
    (seen.all, seen.elsewhere)
}

#[tokio::test]
async fn raw_sql_as_the_servers_role_sees_no_workspace_unless_one_is_set_and_then_only_it() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;
    seed_default(&app).await;
    let north = newsroom(&app, "north").await;
    // North gets one of everything too.
    let (submitter, reviewer, admin) = (
        &north.member(Role::Submitter).token,
        &north.member(Role::Reviewer).token,
        &north.member(Role::Admin).token,
    );
    let post = |token: &str, path: &str, body: Value| {
        in_workspace(app.request_as(Some(token), Method::POST, path), "north").json(&body).send()
    };
    let source = json(
        post(
            submitter,
            "/sources",
            json!({"url": "https://north.example/3", "kind": "article", "content": "No. Never."}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let speaker = json(
        post(submitter, "/speakers", json!({"name": "Bo Lind", "kind": "person"})).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let twin = json(
        post(submitter, "/speakers", json!({"name": "B. Lind", "kind": "person"})).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let merged = in_workspace(
        app.request_as(Some(admin), Method::POST, &format!("/speakers/{}/merge", id(&twin))),
        "north",
    )
    .header("if-match", etag(&twin))
    .json(&json!({"into": id(&speaker)}))
    .send()
    .await
    .unwrap();
    json(merged, StatusCode::CREATED).await;
    let quote = json(
        post(
            submitter,
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "No."}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    json(
        post(submitter, "/claims", json!({"source_id": id(&source), "statement": "Two.", "metric": "m", "qualifier": "exact", "value": "2"}))
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    json(
        post(
            admin,
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/north", "event_types": ["review.recorded"]}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let review = in_workspace(app.request_as(Some(reviewer), Method::POST, &format!("/quotes/{}/reviews", id(&quote))), "north")
        .header("if-match", etag(&quote))
        .json(&json!({"status": "false", "rationale": "Never said.", "evidence": [{"url": "https://north.example/x", "note": "n"}]}))
        .send()
        .await
        .unwrap();
    json(review, StatusCode::CREATED).await;
    let quote_path = format!("/quotes/{}", id(&quote));
    json(
        post(admin, &format!("{quote_path}/sign-offs"), json!({"decision": "approve"})).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let publication = json!({"headline": "Never said", "summary": "No record.", "url": "https://north.example/fc/3", "language": "sv"});
    json(post(admin, &format!("{quote_path}/publish"), publication).await.unwrap(), StatusCode::CREATED)
        .await;
    let corrected = in_workspace(
        app.request_as(Some(admin), Method::POST, &format!("{quote_path}/publication/corrections")),
        "north",
    )
    .header("if-match", "\"1\"")
    .json(&json!({"note": "Language tag fixed.", "language": "en"}))
    .send()
    .await
    .unwrap();
    json(corrected, StatusCode::OK).await;
    let refetched = json(
        post(
            submitter,
            "/sources",
            json!({"url": "https://north.example/3", "kind": "article", "content": "Never. No."}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(refetched["recheck"]["counts"]["moved"], 1, "{refetched}");
    json(
        post(
            admin,
            "/api-keys",
            json!({"name": "k", "user_id": north.member(Role::Submitter).id, "role": "submitter"}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
    }
    // Every table with a workspace column is a workspace's, and row-level security guards it.
    let owned: Vec<Table> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name FROM information_schema.columns c \
         JOIN pg_class k ON k.relname = c.table_name AND k.relkind = 'r' \
         WHERE c.table_schema = 'public' AND c.column_name = 'workspace_id' ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let owned: Vec<String> = owned.into_iter().map(|t| t.table_name).collect();
    assert_eq!(
        owned,
        [
            "anchor_rechecks",
            "api_keys",
            "audit_events",
            "claims",
            "fact_check_corrections",
            "fact_checks",
            "memberships",
            "quotes",
            "review_evidence",
            "reviews",
            "sign_offs",
            "sources",
            "speaker_merges",
            "speakers",
            "webhook_deliveries",
            "webhook_events",
            "webhook_subscriptions"
        ]
    );
    let ids: Vec<(String, String)> = {
        #[derive(diesel::QueryableByName)]
        struct Workspace {
            #[diesel(sql_type = diesel::sql_types::Text)]
            slug: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        let found: Vec<Workspace> =
            diesel::sql_query("SELECT slug, id::text AS id FROM workspaces ORDER BY slug")
                .load(&mut conn)
                .await
                .unwrap();
        found.into_iter().map(|w| (w.slug, w.id)).collect()
    };
    let mut owners_count = std::collections::HashMap::new();
    for table in &owned {
        for (_, workspace) in &ids {
            let (all, elsewhere) = visible(&mut conn, table, Some(workspace)).await;
            owners_count.insert((table.clone(), workspace.clone()), all - elsewhere);
            assert!(all - elsewhere > 0, "the test data has no {table} row in {workspace}");
        }
    }

    conn.batch_execute("SET ROLE attest_app").await.unwrap();
    for table in &owned {
        assert_eq!(visible(&mut conn, table, None).await.0, 0, "{table} without a workspace set");
    }
    for (slug, workspace) in &ids {
        conn.batch_execute(&format!("SET attest.workspace = '{workspace}'")).await.unwrap();
        for table in &owned {
            let (all, elsewhere) = visible(&mut conn, table, Some(workspace)).await;
            assert_eq!(elsewhere, 0, "{table} in {slug} shows another workspace's rows");
            assert_eq!(all, owners_count[&(table.clone(), workspace.clone())], "{table} in {slug}");
        }
    }
    // Writes are bound the same way: another workspace's rows are not there to change, and a
    // row cannot be put into another workspace.
    let (_, north_id) = ids.iter().find(|(slug, _)| slug == "north").unwrap();
    let (_, default_id) = ids.iter().find(|(slug, _)| slug == "default").unwrap();
    conn.batch_execute(&format!("SET attest.workspace = '{north_id}'")).await.unwrap();
    let changed = diesel::sql_query("UPDATE quotes SET text = 'rewritten'").execute(&mut conn).await.unwrap();
    assert_eq!(changed, 1, "only north's one quote");
    let deleted = diesel::sql_query("DELETE FROM api_keys").execute(&mut conn).await.unwrap();
    assert_eq!(deleted, 1, "only north's one key");
    let smuggled = diesel::sql_query(format!(
        "INSERT INTO sources (id, url, retrieved_at, kind, workspace_id) \
         VALUES (gen_random_uuid(), 'https://x.example', now(), 'article', '{default_id}')"
    ))
    .execute(&mut conn)
    .await;
    assert!(smuggled.as_ref().is_err_and(|e| e.to_string().contains("row-level security")), "{smuggled:?}");
    conn.batch_execute("RESET attest.workspace").await.unwrap();
    let untouched = diesel::sql_query("UPDATE sources SET title = 'x'").execute(&mut conn).await.unwrap();
    assert_eq!(untouched, 0, "with no workspace set nothing is writable");
    conn.batch_execute("RESET ROLE").await.unwrap();
    let default_quotes = visible(&mut conn, "quotes", Some(default_id)).await;
    assert_eq!(default_quotes.0 - default_quotes.1, 1, "the default workspace's quote is still there");
}

/// Under row-level security PostgreSQL lets only leakproof conditions join the policy's in an
/// index condition: lists filter on the stored keys (text), never on `lower()` or the status
/// enum, so their indexes serve them (search and lookalikes: `benches/rls_plans.sh`).
#[tokio::test]
async fn filters_reach_their_indexes_under_row_level_security() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    // Without statistics on an empty table every plan could be a sequential scan: the
    // question is only whether an index can take the condition.
    conn.batch_execute(
        "SET ROLE attest_app; SET attest.workspace = '00000000-0000-7000-8000-000000000001';
         SET enable_seqscan = off",
    )
    .await
    .unwrap();
    for (query, key) in [
        (
            "SELECT * FROM claims WHERE status_key = 'verified' AND deleted_at IS NULL ORDER BY id LIMIT 51",
            "status_key",
        ),
        (
            "SELECT * FROM quotes WHERE status_key = 'disputed' AND deleted_at IS NULL ORDER BY id LIMIT 51",
            "status_key",
        ),
        ("SELECT * FROM claims WHERE metric_key = lower('Inflation') ORDER BY id LIMIT 51", "metric_key"),
        ("SELECT * FROM speakers WHERE name_key = lower('Jane Doe') ORDER BY id LIMIT 1", "name_key"),
    ] {
        let conditions = index_conditions(&mut conn, query).await;
        assert!(conditions.contains(key) && conditions.contains("workspace_id"), "{query}: {conditions}");
    }
    // What the keys replace: the same filters on the enum and on lower() stay out of the index.
    for query in [
        "SELECT * FROM claims WHERE status = 'verified' AND deleted_at IS NULL ORDER BY id LIMIT 51",
        "SELECT * FROM claims WHERE lower(metric) = 'inflation' ORDER BY id LIMIT 51",
    ] {
        let conditions = index_conditions(&mut conn, query).await;
        assert!(!conditions.contains("status") && !conditions.contains("lower"), "{query}: {conditions}");
    }
}

/// The index conditions of `query`'s plan, one per line.
async fn index_conditions(conn: &mut diesel_async::AsyncPgConnection, query: &str) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[diesel(column_name = "QUERY PLAN")]
        line: String,
    }
    let plan: Vec<Line> = diesel::sql_query(format!("EXPLAIN (COSTS OFF) {query}")).load(conn).await.unwrap();
    plan.into_iter().map(|l| l.line).filter(|l| l.contains("Index Cond")).collect::<Vec<_>>().join("\n")
}

/// A workspace holding most of a table has search check each row the full-text index finds for
/// it, rather than look the workspace up in the index beside the words; a small one is looked
/// up. Either way a search finds its own workspace's records only, walking the slices or not.
#[tokio::test]
async fn a_search_finds_its_own_workspace_only_however_much_of_the_table_it_holds() {
    use diesel::sql_types::Double;
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;
    let harbour = newsroom(&app, "harbour").await;
    let editor = &harbour.member(Role::Editor).token;
    let post = async |path: &str, body: Value| {
        let response = in_workspace(app.request_as(Some(editor), Method::POST, path), "harbour")
            .json(&body)
            .send()
            .await
            .unwrap();
        json(response, StatusCode::CREATED).await
    };
    let piers = (0..3).map(|n| format!("The harbour reopened at dawn, pier {n}.")).collect::<Vec<_>>();
    let source = post(
        "/sources",
        json!({"url": "https://harbour.example/1", "kind": "article", "content": piers.join(" ")}),
    )
    .await;
    let speaker = post("/speakers", json!({"name": "The harbour pilot", "kind": "person"})).await;
    let mut theirs = std::collections::BTreeSet::new();
    for pier in &piers {
        let quote = post(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": pier}),
        )
        .await;
        theirs.insert(id(&quote).to_owned());
    }
    // The default workspace: one quote of the same words, and 12,000 more of the everyday ones
    // (more than one arrival slice), so it holds nearly every row.
    let (our_source, our_speaker) =
        (app.source("«The harbour reopened at dawn»").await, app.speaker("The harbourmaster").await);
    let ours = app
        .create(
            "/quotes",
            json!({"source_id": id(&our_source), "speaker_id": id(&our_speaker), "kind": "direct",
                   "text": "The harbour reopened at dawn"}),
        )
        .await;
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
         SELECT gen_random_uuid(), '{}', '{}', 'The harbour was reopened, report ' || n, 'direct', 'en'
           FROM generate_series(1, 12000) n; ANALYZE quotes",
        id(&our_source),
        id(&our_speaker)
    ))
    .await;

    // The shares search goes by, as the server's role sees them in each workspace.
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    conn.batch_execute("SET ROLE attest_app").await.unwrap();
    let mut share = async |workspace: &str| -> f64 {
        conn.batch_execute(&format!(
            "SELECT set_config('attest.workspace', (SELECT id::text FROM workspaces WHERE slug = '{workspace}'), false)"
        ))
        .await
        .unwrap();
        diesel::sql_query("SELECT attest_workspace_share('quotes') AS share")
            .get_result::<Share>(&mut conn)
            .await
            .unwrap()
            .share
    };
    #[derive(diesel::QueryableByName)]
    struct Share {
        #[diesel(sql_type = Double)]
        share: f64,
    }
    assert!(share("default").await > 0.99, "the default workspace holds nearly every quote");
    assert!(share("harbour").await < 0.01, "three quotes of 12,004");

    // The default workspace, each row checked: the everyday words (the slices walked), paged
    // to the end, and the rarer ones (one bitmap of every match).
    let mut path = "/search?q=harbour%20reopened&type=quote&limit=100".to_owned();
    let mut seen = 0;
    loop {
        let page = json(app.get(&path).await, StatusCode::OK).await;
        for hit in page["items"].as_array().unwrap() {
            assert!(!theirs.contains(id(hit)), "another workspace's quote found: {hit}");
            seen += 1;
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/search?q=harbour%20reopened&type=quote&limit=100&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, attest::db::search::MAX_RANKED);
    let dawn = json(app.get("/search?q=harbour%20dawn&type=quote").await, StatusCode::OK).await;
    let found: Vec<&str> = dawn["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(found, [id(&ours)], "{dawn}");

    // The harbour desk, its workspace looked up in the index: its own three, whatever the words.
    for q in ["harbour%20reopened", "harbour%20dawn"] {
        let response = in_workspace(
            app.request_as(Some(editor), Method::GET, &format!("/search?q={q}&type=quote")),
            "harbour",
        )
        .send()
        .await
        .unwrap();
        let page = json(response, StatusCode::OK).await;
        let found: std::collections::BTreeSet<String> =
            page["items"].as_array().unwrap().iter().map(|hit| id(hit).to_owned()).collect();
        assert_eq!(found, theirs, "{q}: {page}");
    }
}
