//! How long extracting quotes and claims from a long article takes (cargo bench --bench extract).

use criterion::{Criterion, criterion_group, criterion_main};

/// About 10,000 words: the project's corpus articles, repeated.
fn long_article() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let corpus: Vec<String> = files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let mut article = String::new();
    while article.split_whitespace().count() < 10_000 {
        for text in &corpus {
            article.push_str(text);
            article.push_str("\n\n");
        }
    }
    article
}

fn bench(c: &mut Criterion) {
    let article = long_article();
    let words = article.split_whitespace().count();
    c.bench_function(&format!("extract {words} words"), |b| {
        b.iter(|| attest::domain::extract::extract(std::hint::black_box(&article)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
