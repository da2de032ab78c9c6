//! The table's columns: which are shown and in what order, kept in the browser as a short string.

use crate::query::{SortKey, View};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// A table column.
    Column {
        ActionType => "actionType", "Action type";
        Asset => "asset", "Asset";
        Entity => "entity", "Entity";
        Source => "source", "Source";
        Status => "status", "Status";
        DecidedBy => "decidedBy", "Decided by";
        CreatedAt => "createdAt", "Created";
        UpdatedAt => "updatedAt", "Updated";
        ExpiresAt => "expiresAt", "Expires";
        InvestigationId => "investigationId", "Investigation";
        Category => "category", "Category";
        Id => "id", "Action id";
    }
}

impl Column {
    /// The server sort key for this column.
    pub fn sort_key(&self) -> Option<SortKey> {
        SortKey::parse_known(self.as_str())
    }

    /// The sort key of this column on `view`. Every pending action has the same status, so on
    /// the Pending tab the status column ("Decision", with the time left) sorts by expiry.
    pub fn sort_key_on(&self, view: &View) -> Option<SortKey> {
        match (self, view) {
            (Column::Status, View::Pending) => Some(SortKey::ExpiresAt),
            _ => self.sort_key(),
        }
    }

    /// The column header on `view` ("Decision" for the status column of the Pending tab; "In
    /// force since" and "Approved by" on the containment view).
    pub fn header(&self, view: &View) -> std::borrow::Cow<'static, str> {
        match (self, view) {
            (Column::Status, View::Pending) => std::borrow::Cow::Borrowed("Decision"),
            // A contained action last changed when it completed: that is when it took hold.
            (Column::UpdatedAt, View::Contained) => std::borrow::Cow::Borrowed("In force since"),
            (Column::DecidedBy, View::Contained) => std::borrow::Cow::Borrowed("Approved by"),
            _ => self.label(),
        }
    }
}

/// Shown columns in display order; every other known column is hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLayout {
    /// The shown columns, left to right.
    pub shown: Vec<Column>,
}

impl Default for ColumnLayout {
    fn default() -> Self {
        ColumnLayout {
            shown: vec![
                Column::ActionType,
                Column::Asset,
                Column::Entity,
                Column::Source,
                Column::Status,
                Column::DecidedBy,
                Column::CreatedAt,
                Column::UpdatedAt,
                Column::InvestigationId,
            ],
        }
    }
}

impl ColumnLayout {
    /// The default columns of a tab: what deciding needs on Pending (time left, created), who
    /// decided and when on History.
    pub fn default_for(view: &View) -> ColumnLayout {
        let mut shown = vec![
            Column::ActionType,
            Column::Asset,
            Column::Entity,
            Column::Source,
            Column::Status,
        ];
        if *view != View::Pending {
            shown.extend([Column::DecidedBy, Column::UpdatedAt]);
        } else {
            shown.push(Column::CreatedAt);
        }
        shown.push(Column::InvestigationId);
        ColumnLayout { shown }
    }

    /// Reads the storage form for `view`; anything unreadable falls back to that tab's default.
    pub fn from_storage_for(raw: Option<&str>, view: &View) -> ColumnLayout {
        match raw {
            Some(raw)
                if raw
                    .split(',')
                    .any(|id| Column::parse_known(id.trim()).is_some()) =>
            {
                ColumnLayout::from_storage(raw)
            }
            _ => ColumnLayout::default_for(view),
        }
    }

    /// The hidden columns, in declaration order.
    pub fn hidden(&self) -> Vec<Column> {
        Column::ALL
            .iter()
            .filter(|c| !self.shown.contains(c))
            .cloned()
            .collect()
    }

    /// Whether `column` is shown.
    pub fn is_shown(&self, column: &Column) -> bool {
        self.shown.contains(column)
    }

    /// Shows or hides a column; a shown column goes to the end. The last column cannot be hidden.
    pub fn toggle(&mut self, column: &Column) {
        if let Some(pos) = self.shown.iter().position(|c| c == column) {
            if self.shown.len() > 1 {
                self.shown.remove(pos);
            }
        } else if column.is_known() {
            self.shown.push(column.clone());
        }
    }

    /// Moves a shown column one place left (`-1`) or right (`+1`).
    pub fn shift(&mut self, column: &Column, delta: isize) {
        let Some(pos) = self.shown.iter().position(|c| c == column) else {
            return;
        };
        let target = pos as isize + delta;
        if target >= 0 && (target as usize) < self.shown.len() {
            self.shown.swap(pos, target as usize);
        }
    }

    /// The storage form: shown column ids joined by commas.
    pub fn to_storage(&self) -> String {
        self.shown
            .iter()
            .map(Column::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the storage form; unknown or repeated ids are dropped, and an empty result falls
    /// back to the default layout.
    pub fn from_storage(raw: &str) -> ColumnLayout {
        let mut shown = Vec::new();
        for id in raw.split(',') {
            if let Some(column) = Column::parse_known(id.trim()) {
                if !shown.contains(&column) {
                    shown.push(column);
                }
            }
        }
        if shown.is_empty() {
            ColumnLayout::default()
        } else {
            ColumnLayout { shown }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_round_trips() {
        let mut layout = ColumnLayout::default();
        layout.toggle(&Column::Source);
        layout.toggle(&Column::ExpiresAt);
        layout.shift(&Column::ExpiresAt, -1);
        let stored = layout.to_storage();
        assert_eq!(ColumnLayout::from_storage(&stored), layout);
        assert!(!layout.is_shown(&Column::Source));
        assert!(layout.hidden().contains(&Column::Source));
    }

    #[test]
    fn bad_storage_falls_back_or_drops() {
        assert_eq!(ColumnLayout::from_storage(""), ColumnLayout::default());
        assert_eq!(
            ColumnLayout::from_storage("nope,<x>"),
            ColumnLayout::default()
        );
        assert_eq!(
            ColumnLayout::from_storage("asset,asset,bogus,status").shown,
            vec![Column::Asset, Column::Status]
        );
    }

    #[test]
    fn the_last_column_stays() {
        let mut layout = ColumnLayout {
            shown: vec![Column::Asset],
        };
        layout.toggle(&Column::Asset);
        assert_eq!(layout.shown, vec![Column::Asset]);
        layout.shift(&Column::Asset, 5);
        assert_eq!(layout.shown, vec![Column::Asset]);
    }

    #[test]
    fn each_tab_has_its_defaults() {
        let pending = ColumnLayout::default_for(&View::Pending);
        assert!(pending.is_shown(&Column::CreatedAt) && !pending.is_shown(&Column::DecidedBy));
        let history = ColumnLayout::default_for(&View::History);
        assert!(history.is_shown(&Column::DecidedBy) && history.is_shown(&Column::UpdatedAt));
        assert_eq!(
            ColumnLayout::from_storage_for(Some("bogus"), &View::History),
            history
        );
        assert_eq!(
            ColumnLayout::from_storage_for(None, &View::Pending),
            pending
        );
        assert_eq!(
            ColumnLayout::from_storage_for(Some("id,asset"), &View::Pending).shown,
            vec![Column::Id, Column::Asset]
        );
    }

    #[test]
    fn the_status_column_reads_decision_on_pending() {
        assert_eq!(Column::Status.header(&View::Pending), "Decision");
        assert_eq!(Column::Status.header(&View::History), "Status");
        assert_eq!(
            Column::Status.sort_key_on(&View::Pending),
            Some(SortKey::ExpiresAt)
        );
        assert_eq!(
            Column::Status.sort_key_on(&View::History),
            Some(SortKey::Status)
        );
        // Every column sorts on the server.
        assert!(Column::ALL.iter().all(|c| c.sort_key().is_some()));
    }

    #[test]
    fn sortable_columns_map_to_sort_keys() {
        assert_eq!(Column::Asset.sort_key(), Some(SortKey::Asset));
        assert_eq!(Column::ExpiresAt.sort_key(), Some(SortKey::ExpiresAt));
    }
}
