//! CSV export: RFC 4180 quoting plus formula-injection defence.
//!
//! A spreadsheet treats a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a
//! formula, so such a cell gets a leading `'` (OWASP's advice) before it is quoted.

use std::borrow::Cow;

use crate::model::Action;

/// Escapes one cell: formula-safe, then quoted when it holds a comma, quote or line break.
pub fn escape_cell(value: &str) -> Cow<'_, str> {
    let formula_like = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = value.contains([',', '"', '\n', '\r']);
    if !formula_like && !needs_quotes {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    if needs_quotes {
        out.push('"');
    }
    if formula_like {
        out.push('\'');
    }
    for ch in value.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if needs_quotes {
        out.push('"');
    }
    Cow::Owned(out)
}

/// Joins cells into one CSV record, ending in CRLF as RFC 4180 asks.
pub fn record<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&escape_cell(cell));
    }
    line.push_str("\r\n");
    line
}

/// The export's header row.
pub const EXPORT_HEADER: [&str; 17] = [
    "id",
    "actionType",
    "status",
    "category",
    "source",
    "assetName",
    "assetId",
    "entityKind",
    "entityName",
    "sha256",
    "investigationId",
    "incidentId",
    "requestedBy",
    "decision",
    "decidedBy",
    "createdAt",
    "updatedAt",
];

/// One action as an export record, in [`EXPORT_HEADER`] order.
pub fn action_record(action: &Action) -> String {
    let created = action.created_at.to_rfc3339();
    let updated = action.updated_at.to_rfc3339();
    let decision = action
        .decision
        .as_ref()
        .map(|d| d.state.as_str())
        .unwrap_or("");
    record([
        action.id.as_str(),
        action.action_type.as_str(),
        action.status.as_str(),
        action.category.as_str(),
        action.source.as_str(),
        action.asset.name.as_str(),
        action.asset.id.as_str(),
        action.entity.kind.as_str(),
        action.entity.name.as_str(),
        action.entity.sha256.as_deref().unwrap_or(""),
        action.investigation_id.as_deref().unwrap_or(""),
        action.incident_id.as_deref().unwrap_or(""),
        action.requested_by.as_deref().unwrap_or(""),
        decision,
        action.decided_by().unwrap_or(""),
        created.as_str(),
        updated.as_str(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_pass_through() {
        assert_eq!(escape_cell("FIN-LAPTOP-07"), "FIN-LAPTOP-07");
        assert_eq!(escape_cell(""), "");
    }

    #[test]
    fn quotes_commas_and_line_breaks_are_quoted() {
        assert_eq!(escape_cell("a,b"), "\"a,b\"");
        assert_eq!(escape_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape_cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formula_starters_are_defused() {
        assert_eq!(
            escape_cell("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(escape_cell("+1"), "'+1");
        assert_eq!(escape_cell("-1"), "'-1");
        assert_eq!(escape_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_cell("\tx"), "'\tx");
        assert_eq!(escape_cell("\rx"), "\"'\rx\"");
    }

    #[test]
    fn a_record_ends_in_crlf() {
        assert_eq!(record(["a", "b,c"]), "a,\"b,c\"\r\n");
    }
}
