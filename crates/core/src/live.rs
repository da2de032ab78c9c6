//! Live updates: what a changed action (from `GET /events`) means for the page on screen, and
//! what an analyst is told when the action in an open flyout changes under them.

use crate::model::Action;
use crate::query::ActionQuery;

/// What to do with the page for one changed action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveEffect {
    /// Replace the row at this index in place (the action is on the page, and newer).
    pub replace: Option<usize>,
    /// Reload the page (debounced): the action may enter or leave it, or change the total.
    pub refetch: bool,
}

impl ActionQuery {
    /// Whether `action` may match this query. Exact for the view, every value filter and the
    /// time range; a search always may match (the server's word matching decides), so a live
    /// update errs on the side of one reload too many rather than a row missing.
    pub fn may_match(&self, action: &Action) -> bool {
        fn any_of<T: PartialEq>(wanted: &[T], value: &T) -> bool {
            wanted.is_empty() || wanted.contains(value)
        }
        self.view
            .as_ref()
            .is_none_or(|v| v.holds(&action.action_type, &action.status))
            && any_of(&self.action_type, &action.action_type)
            && any_of(&self.status, &action.status)
            && any_of(&self.source, &action.source)
            && any_of(&self.category, &action.category)
            && any_of(&self.entity_kind, &action.entity.kind)
            && self.from.is_none_or(|from| action.created_at >= from)
            && self.to.is_none_or(|to| action.created_at < to)
    }
}

/// What the changed action `incoming` means for a page showing `items` for `query`.
///
/// A listed row is replaced in place when the news is newer (events can arrive late or twice);
/// if it no longer matches, the page reloads so that it leaves and the total stays right. An
/// unlisted action that may match reloads the page (it may belong on it, and the total changed).
pub fn live_effect(items: &[Action], query: &ActionQuery, incoming: &Action) -> LiveEffect {
    match items.iter().position(|a| a.id == incoming.id) {
        Some(index) if incoming.version > items[index].version => LiveEffect {
            replace: Some(index),
            refetch: !query.may_match(incoming),
        },
        Some(_) => LiveEffect::default(),
        None => LiveEffect {
            replace: None,
            refetch: query.may_match(incoming),
        },
    }
}

/// The note an open flyout shows when its action changed while open, e.g.
/// "Changed while open: Pending → Rejected by bob@example.com".
///
/// `None` when nothing an analyst must know changed (same or older version, same status), when
/// `me` made the change, or when the system moved an action `me` acted on here (the executor
/// finishing an approval is expected, not news).
pub fn change_note(before: &Action, after: &Action, me: &str, acted_here: bool) -> Option<String> {
    if after.version <= before.version || after.status == before.status {
        return None;
    }
    let decided = after.decision != before.decision;
    let undone = after.undo != before.undo;
    let actor = if decided {
        after.decision.as_ref().and_then(|d| d.by.as_deref())
    } else if undone {
        after.undo.as_ref().and_then(|u| u.by.as_deref())
    } else {
        None
    };
    match actor {
        Some(who) if who == me => None,
        None if acted_here => None,
        _ => Some(format!(
            "Changed while open: {} → {}{}",
            before.status.label(),
            after.status.label(),
            actor.map(|who| format!(" by {who}")).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionType, Decision, DecisionState, Status};
    use crate::query::View;

    fn action(id: &str, version: i64, status: &str) -> Action {
        serde_json::from_value(serde_json::json!({
            "id": id, "version": version, "actionType": "quarantineFile", "category": "device",
            "source": "antivirus", "status": status,
            "asset": { "kind": "device", "id": "d", "name": "HOST" },
            "entity": { "kind": "file", "name": "a.exe" },
            "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T10:00:00Z"
        }))
        .unwrap()
    }

    fn pending_view() -> ActionQuery {
        ActionQuery {
            view: Some(View::Pending),
            ..ActionQuery::default()
        }
    }

    #[test]
    fn a_listed_row_is_replaced_when_newer() {
        let items = vec![action("a", 1, "pending"), action("b", 4, "pending")];
        let effect = live_effect(&items, &pending_view(), &action("b", 5, "pending"));
        assert_eq!(effect.replace, Some(1));
        assert!(!effect.refetch);
        // Late or repeated news changes nothing.
        let effect = live_effect(&items, &pending_view(), &action("b", 4, "pending"));
        assert_eq!(effect, LiveEffect::default());
    }

    #[test]
    fn a_row_leaving_the_view_updates_then_reloads() {
        let items = vec![action("a", 1, "pending")];
        let effect = live_effect(&items, &pending_view(), &action("a", 2, "queued"));
        assert_eq!(effect.replace, Some(0));
        assert!(effect.refetch);
    }

    #[test]
    fn an_unlisted_action_reloads_only_when_it_may_match() {
        let items = vec![action("a", 1, "pending")];
        assert!(live_effect(&items, &pending_view(), &action("new", 1, "pending")).refetch);
        assert!(!live_effect(&items, &pending_view(), &action("x", 3, "completed")).refetch);
        let mut only_email = pending_view();
        only_email.category = vec![crate::model::Category::Email];
        assert!(!live_effect(&items, &only_email, &action("new", 1, "pending")).refetch);
    }

    #[test]
    fn matching_follows_every_filter() {
        let a = action("a", 1, "completed");
        let mut q = ActionQuery {
            view: Some(View::History),
            action_type: vec![ActionType::QuarantineFile],
            status: vec![Status::Completed],
            q: Some("anything".into()),
            ..ActionQuery::default()
        };
        assert!(q.may_match(&a));
        q.from = Some("2026-03-01T10:00:00Z".parse().unwrap());
        assert!(q.may_match(&a));
        q.to = Some("2026-03-01T10:00:00Z".parse().unwrap());
        assert!(!q.may_match(&a));
        q.to = None;
        q.status = vec![Status::Undone];
        assert!(!q.may_match(&a));
        assert!(!pending_view().may_match(&a));
        assert!(ActionQuery::default().may_match(&a));
    }

    #[test]
    fn the_flyout_hears_about_other_peoples_changes() {
        let before = action("a", 1, "pending");
        let mut rejected = action("a", 2, "rejected");
        rejected.decision = Some(Decision {
            state: DecisionState::Rejected,
            by: Some("bob@example.com".into()),
            at: None,
            comment: None,
        });
        assert_eq!(
            change_note(&before, &rejected, "alice@example.com", false).as_deref(),
            Some("Changed while open: Pending → Rejected by bob@example.com")
        );
        assert_eq!(
            change_note(&before, &rejected, "bob@example.com", false),
            None
        );
        assert_eq!(
            change_note(&rejected, &before, "alice@example.com", false),
            None
        );
        // The executor finishing what this analyst started is not news; for others it is.
        let queued = action("a", 3, "queued");
        let running = action("a", 4, "running");
        assert_eq!(
            change_note(&queued, &running, "alice@example.com", true),
            None
        );
        assert_eq!(
            change_note(&queued, &running, "alice@example.com", false).as_deref(),
            Some("Changed while open: Queued → Running")
        );
        // A new version with the same status (e.g. a comment) is not flagged.
        assert_eq!(
            change_note(&queued, &action("a", 9, "queued"), "x", false),
            None
        );
    }
}
