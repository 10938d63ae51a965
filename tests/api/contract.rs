//! openapi.yaml is the contract: the router and the spec must list the same operations, and
//! every operation must document its errors as problem+json.

use std::collections::BTreeSet;

use serde_yaml_ng::Value;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (key, _) in item.as_mapping().unwrap() {
            let key = key.as_str().unwrap();
            if METHODS.contains(&key) {
                operations.insert((key.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    operations
}

#[test]
fn the_router_and_the_spec_list_the_same_operations() {
    let spec = spec();
    let documented = spec_operations(&spec);
    let routed: BTreeSet<(String, String)> = attest::http::routes::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routes missing from openapi.yaml: {undocumented:?}");
    assert!(unrouted.is_empty(), "operations in openapi.yaml with no route: {unrouted:?}");
}

#[test]
fn every_operation_documents_its_errors_as_problem_json() {
    let spec = spec();
    let responses = &spec["components"]["responses"];
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            if !METHODS.contains(&method.as_str().unwrap()) {
                continue;
            }
            let documented = operation["responses"].as_mapping().unwrap();
            let errors: Vec<_> = documented
                .iter()
                .filter(|(status, _)| {
                    status.as_str().is_some_and(|s| s.starts_with('4') || s.starts_with('5'))
                })
                .collect();
            assert!(!errors.is_empty(), "{method:?} {path:?} documents no error response");
            for (status, response) in errors {
                let response = match response["$ref"].as_str() {
                    Some(reference) => &responses[reference.rsplit('/').next().unwrap()],
                    None => response,
                };
                assert!(
                    response["content"]["application/problem+json"].is_mapping(),
                    "{method:?} {path:?} {status:?} is not problem+json"
                );
            }
        }
    }
}
