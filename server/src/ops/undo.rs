//! `POST /undo`: undo one or many completed actions of one type, optionally with every other
//! instance of the same quarantined file.

use std::collections::HashSet;

use action_center_core::{
    check_undo_batch, check_undoable, ActionType, BulkResponse, ErrorCode, ItemResult, Outcome,
    Transition, UndoBlocker, UndoInfo, UndoRequest, UndoState,
};

use super::{check_pinned, for_caller, load_refs, mixed_types};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, Stored, WriteCtx};

/// Applies a validated undo request: everything is checked first, then every item changes in
/// the caller's one transaction.
pub async fn undo(
    ctx: &mut WriteCtx,
    caller: &Caller,
    req: &UndoRequest,
    if_match: Option<i64>,
) -> Result<BulkResponse, AppError> {
    let perms = caller.permissions();
    let mut loaded = load_refs(ctx, &req.actions).await?;
    let found: Vec<_> = loaded.iter().flatten().map(|s| &s.action).collect();
    if let Err(UndoBlocker::MixedTypes) = check_undo_batch(&found) {
        return Err(mixed_types("undo"));
    }
    for action in &found {
        match check_undoable(*action) {
            Ok(())
            | Err(UndoBlocker::AlreadyUndone { .. } | UndoBlocker::UndoInProgress { .. }) => {}
            Err(blocker) => {
                return Err(AppError::new(
                    ErrorCode::NotUndoable,
                    format!("{blocker}; nothing was changed"),
                )
                .with_action(for_caller((*action).clone(), perms)))
            }
        }
    }
    check_pinned(&req.actions, &loaded, if_match, perms)?;
    // Related instances follow the requested items, each once.
    let mut related: Vec<Stored> = Vec::new();
    if req.include_related_instances {
        let mut seen: HashSet<i64> = loaded.iter().flatten().map(|s| s.seq).collect();
        for stored in loaded.iter().flatten() {
            if stored.action.action_type != ActionType::QuarantineFile {
                continue;
            }
            for instance in ctx.tx.related_instances(&stored.action).await? {
                if seen.insert(instance.seq) {
                    related.push(instance);
                }
            }
        }
    }
    let mut results = Vec::with_capacity(req.actions.len() + related.len());
    let requested = req.actions.iter().map(|r| (r.id.clone(), r.version));
    let extra: Vec<(String, Option<i64>)> = related
        .iter()
        .map(|s| (s.action.id.clone(), None))
        .collect();
    let slots = loaded
        .iter_mut()
        .map(|s| s.as_mut())
        .chain(related.iter_mut().map(Some));
    for ((id, version), slot) in requested.chain(extra).zip(slots) {
        let Some(stored) = slot else {
            results.push(ItemResult {
                id,
                outcome: Outcome::NotFound,
                action: None,
            });
            continue;
        };
        let outcome = if !perms.undo {
            Outcome::Forbidden
        } else if version.is_some_and(|v| v != stored.action.version) {
            Outcome::VersionMismatch
        } else if check_undoable(&stored.action).is_err() {
            Outcome::AlreadyUndone
        } else {
            let info = UndoInfo {
                state: UndoState::InProgress,
                by: Some(caller.id.clone()),
                at: Some(ctx.now),
                comment: req.comment.clone(),
                error: None,
            };
            store::transition(
                ctx,
                stored,
                Transition::RequestUndo,
                &caller.id,
                req.comment.as_deref(),
                |a| a.undo = Some(info),
            )
            .await?;
            Outcome::Applied
        };
        let action =
            (outcome != Outcome::Forbidden).then(|| for_caller(stored.action.clone(), perms));
        results.push(ItemResult {
            id,
            outcome,
            action,
        });
    }
    Ok(BulkResponse { results })
}
