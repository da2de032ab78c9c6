//! What is in force on one asset: the containment view, grouped by asset. The flyout of a
//! contained action lists everything else that holds the same device (or mailbox, or user), so
//! that an analyst releasing a host sees at once what else keeps it contained.

use crate::api::MAX_PAGE_SIZE;
use crate::model::{Action, Asset};
use crate::query::{ActionQuery, Sort, SortKey, View, MAX_SEARCH_CHARS};

/// The list request for what is in force on `asset`: the containment view searched for the
/// asset's name (the list API has no asset filter; the search may also find other assets whose
/// words match, which [`in_force_on`] leaves out). `None` for an asset without a usable name.
pub fn in_force_query(asset: &Asset) -> Option<ActionQuery> {
    let name = asset.name.trim();
    if name.is_empty() || name.chars().count() > MAX_SEARCH_CHARS {
        return None;
    }
    Some(ActionQuery {
        view: Some(View::Contained),
        q: Some(name.to_owned()),
        sort: Some(Sort {
            key: SortKey::UpdatedAt,
            descending: false,
        }),
        page_size: Some(MAX_PAGE_SIZE),
        ..ActionQuery::default()
    })
}

/// Whether `a` and `b` are the same asset: the same kind and id (by name when the host gave no
/// ids).
pub fn same_asset(a: &Asset, b: &Asset) -> bool {
    a.kind == b.kind
        && if a.id.is_empty() || b.id.is_empty() {
            a.name.eq_ignore_ascii_case(&b.name)
        } else {
            a.id == b.id
        }
}

/// Of `found` (an answer to [`in_force_query`]), the actions in force on `asset` itself that
/// are still in force, longest in force first.
pub fn in_force_on<'a>(found: &'a [Action], asset: &Asset) -> Vec<&'a Action> {
    let mut held: Vec<&Action> = found
        .iter()
        .filter(|a| same_asset(&a.asset, asset))
        .filter(|a| View::Contained.holds(&a.action_type, &a.status))
        .collect();
    held.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then(a.id.cmp(&b.id)));
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityKind;

    fn action(id: &str, action_type: &str, status: &str, asset: (&str, &str), at: &str) -> Action {
        serde_json::from_value(serde_json::json!({
            "id": id, "version": 1, "actionType": action_type, "category": "device",
            "source": "analyst", "status": status,
            "asset": { "kind": "device", "id": asset.0, "name": asset.1 },
            "entity": { "kind": "file", "name": "a.exe" },
            "createdAt": "2026-03-01T10:00:00Z", "updatedAt": at
        }))
        .unwrap()
    }

    fn device(id: &str, name: &str) -> Asset {
        Asset {
            kind: EntityKind::Device,
            id: id.to_owned(),
            name: name.to_owned(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn the_query_is_the_containment_view_searched_for_the_asset_name() {
        let query = in_force_query(&device("d1", "  SRV-DC-01 ")).unwrap();
        assert_eq!(query.view, Some(View::Contained));
        assert_eq!(query.q.as_deref(), Some("SRV-DC-01"));
        assert_eq!(query.page_size, Some(MAX_PAGE_SIZE));
        assert!(query.to_query_string().contains("view=contained"));
        assert_eq!(in_force_query(&device("d1", "   ")), None);
        assert_eq!(in_force_query(&device("d1", &"x".repeat(201))), None);
    }

    #[test]
    fn only_what_holds_this_very_asset_is_listed_longest_in_force_first() {
        let found = vec![
            action(
                "b",
                "stopService",
                "completed",
                ("d1", "SRV-DC-01"),
                "2026-03-02T10:00:00Z",
            ),
            action(
                "a",
                "isolateDevice",
                "completed",
                ("d1", "SRV-DC-01"),
                "2026-03-01T10:00:00Z",
            ),
            // Another host whose name the search also matched.
            action(
                "c",
                "isolateDevice",
                "completed",
                ("d9", "SRV-DC-010"),
                "2026-03-01T09:00:00Z",
            ),
            // Undone since the answer was listed, or never a containment.
            action(
                "d",
                "quarantineFile",
                "undone",
                ("d1", "SRV-DC-01"),
                "2026-03-01T08:00:00Z",
            ),
            action(
                "e",
                "runAntivirusScan",
                "completed",
                ("d1", "SRV-DC-01"),
                "2026-03-01T08:00:00Z",
            ),
        ];
        let ids: Vec<&str> = in_force_on(&found, &device("d1", "SRV-DC-01"))
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn assets_without_ids_are_matched_by_name() {
        assert!(same_asset(&device("", "Host-1"), &device("", "HOST-1")));
        assert!(!same_asset(&device("a", "Host-1"), &device("b", "Host-1")));
        let mut mailbox = device("a", "Host-1");
        mailbox.kind = EntityKind::Mailbox;
        assert!(!same_asset(&mailbox, &device("a", "Host-1")));
    }
}
