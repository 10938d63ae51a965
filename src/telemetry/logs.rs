//! Log lines as JSON, in tracing-subscriber's JSON shape (`timestamp`, `level`, `fields`,
//! `target`, and the current `span` with its fields and `name`), written without reading any
//! JSON back.
//!
//! tracing-subscriber keeps a span's fields as a JSON string. Its JSON layer parses that
//! string into a map each time a field is recorded on the span, and again for each line
//! written inside it. A request records three fields after it starts and writes its access
//! log line: four parses per request, about a tenth of a cached read's CPU. Here a recorded
//! field is appended to the object's text, and a line copies the span's text as it is. Fields
//! are written straight into the line (tracing-subscriber's visitor builds a map of JSON
//! values first: an allocation per field).

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Fields as a JSON object; fields recorded later are added to the end of the object. A
/// field recorded twice appears twice (JSON readers keep the last).
#[derive(Default)]
pub struct JsonObjectFields;

impl<'writer> FormatFields<'writer> for JsonObjectFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        writer.write_char('{')?;
        let mut visitor = JsonFields { writer: &mut writer, first: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result?;
        writer.write_char('}')
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut added = String::new();
        self.format_fields(Writer::new(&mut added), fields)?;
        match (members(&current.fields), members(&added)) {
            (_, "") => {}
            ("", _) => current.fields = added,
            (_, new) => {
                current.fields.pop();
                current.fields.push(',');
                current.fields.push_str(new);
                current.fields.push('}');
            }
        }
        Ok(())
    }
}

/// Writes each field as a member of a JSON object: numbers and booleans as themselves,
/// everything else as a string.
struct JsonFields<'a, 'writer> {
    writer: &'a mut Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl JsonFields<'_, '_> {
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let comma = if std::mem::take(&mut self.first) { "" } else { "," };
        self.result = self
            .writer
            .write_str(comma)
            .and_then(|()| json_text(self.writer, field.name()))
            .and_then(|()| self.writer.write_char(':'))
            .and_then(|()| value(self.writer));
    }
}

impl Visit for JsonFields<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        match value.is_finite() {
            true => self.member(field, |w| write!(w, "{value}")),
            false => self.member(field, |w| write!(w, "\"{value}\"")),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |w| json_text(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |w| {
            w.write_char('"')?;
            write!(Escaped(&mut *w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

/// Writes a JSON string literal of the text, escaped as serde_json escapes it.
fn json_text(writer: &mut impl fmt::Write, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    Escaped(&mut *writer).write_str(text)?;
    writer.write_char('"')
}

/// Writes text as the inside of a JSON string, straight into the line: `"`, `\` and control
/// characters escaped as serde_json escapes them, everything else as it is. (serde_json can
/// escape only into an `io::Write`: a copy of each value first, and another of its `Debug`.)
struct Escaped<W>(W);

impl<W: fmt::Write> fmt::Write for Escaped<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => Some("\\\""),
                b'\\' => Some("\\\\"),
                b'\n' => Some("\\n"),
                b'\r' => Some("\\r"),
                b'\t' => Some("\\t"),
                0x08 => Some("\\b"),
                0x0c => Some("\\f"),
                0x00..=0x1f => None,
                _ => continue,
            };
            self.0.write_str(&text[plain..at])?;
            match escape {
                Some(escape) => self.0.write_str(escape)?,
                None => write!(self.0, "\\u{byte:04x}")?,
            }
            plain = at + 1;
        }
        self.0.write_str(&text[plain..])
    }
}

/// The members of a JSON object's text, without its braces (empty for `{}` or nothing).
fn members(object: &str) -> &str {
    object.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')).unwrap_or("")
}

/// One JSON line per event.
pub struct JsonLines;

impl<S> FormatEvent<S, JsonObjectFields> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonObjectFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        for part in [r#"{"timestamp":""#, &now, r#"","level":""#, meta.level().as_str(), r#"","fields":"#] {
            writer.write_str(part)?;
        }
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_str(r#","target":"#)?;
        json_text(&mut writer, meta.target())?;
        let span = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current());
        if let Some(span) = span {
            let extensions = span.extensions();
            let fields = extensions.get::<FormattedFields<JsonObjectFields>>().map_or("", |f| members(f));
            let comma = if fields.is_empty() { "" } else { "," };
            for part in [r#","span":{"#, fields, comma, r#""name":"#] {
                writer.write_str(part)?;
            }
            json_text(&mut writer, span.name())?;
            writer.write_char('}')?;
        }
        writer.write_str("}\n")
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_json_with_the_span_and_every_field_recorded_on_it() {
        let captured = Captured::default();
        let output = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(JsonObjectFields)
            .event_format(JsonLines)
            .with_writer(move || output.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(outside = true, "no span");
            let span = tracing::info_span!(
                "HTTP request",
                path = "/a \"b\"",
                route = tracing::field::Empty,
                status = tracing::field::Empty
            );
            let _entered = span.enter();
            span.record("route", "/claims/{id}");
            span.record("status", 404);
            tracing::warn!(duration_ms = 1.5, "answered");
            let bare = tracing::info_span!("bare");
            let _inner = bare.enter();
            tracing::info!("inside");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0]["fields"], serde_json::json!({"message": "no span", "outside": true}));
        assert_eq!(lines[0]["level"], "INFO");
        assert!(lines[0].get("span").is_none());
        assert_eq!(lines[1]["level"], "WARN");
        assert_eq!(lines[1]["target"], module_path!());
        assert_eq!(lines[1]["fields"], serde_json::json!({"message": "answered", "duration_ms": 1.5}));
        assert_eq!(
            lines[1]["span"],
            serde_json::json!({"path": "/a \"b\"", "route": "/claims/{id}", "status": 404, "name": "HTTP request"})
        );
        assert_eq!(lines[2]["span"], serde_json::json!({"name": "bare"}));
        assert!(lines[1]["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    proptest::proptest! {
        #[test]
        fn text_is_escaped_as_serde_json_escapes_it(text in "(?s).{0,40}|[\\x00-\\x20\"\\\\a\u{7f}\u{e9}\u{2028}]{0,40}") {
            let expected = serde_json::to_string(&text).unwrap();
            let mut literal = String::new();
            json_text(&mut literal, &text).unwrap();
            proptest::prop_assert_eq!(literal, expected.clone());
            let mut debug = String::new();
            write!(Escaped(&mut debug), "{text}").unwrap();
            proptest::prop_assert_eq!(format!("\"{debug}\""), expected);
        }
    }
}
