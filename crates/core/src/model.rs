//! The action and its parts, as they travel on the wire (contract v1, camelCase JSON).
//!
//! Decoding is lenient where the app reads (optional fields default, enums keep unknown values)
//! so that a newer server or a host portal's own implementation never breaks the app.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// What the action does.
    ActionType {
        IsolateDevice => "isolateDevice", "Isolate device";
        RestrictCodeExecution => "restrictCodeExecution", "Restrict code execution";
        QuarantineFile => "quarantineFile", "Quarantine file";
        RemoveRegistryKey => "removeRegistryKey", "Remove registry key";
        StopService => "stopService", "Stop service";
        DisableDriver => "disableDriver", "Disable driver";
        RemoveScheduledTask => "removeScheduledTask", "Remove scheduled task";
        RunAntivirusScan => "runAntivirusScan", "Run antivirus scan";
        CollectInvestigationPackage => "collectInvestigationPackage", "Collect investigation package";
        KillProcess => "killProcess", "Kill process";
        SoftDeleteEmail => "softDeleteEmail", "Soft delete email";
        BlockUrl => "blockUrl", "Block URL";
        DisableUser => "disableUser", "Disable user";
    }
}

impl ActionType {
    /// The seven action types that can be reversed. Nothing else can be undone.
    pub fn is_undoable(&self) -> bool {
        matches!(
            self,
            ActionType::IsolateDevice
                | ActionType::RestrictCodeExecution
                | ActionType::QuarantineFile
                | ActionType::RemoveRegistryKey
                | ActionType::StopService
                | ActionType::DisableDriver
                | ActionType::RemoveScheduledTask
        )
    }

    /// The verb phrase for an undo of this type, e.g. "Release from isolation".
    pub fn undo_label(&self) -> &'static str {
        match self {
            ActionType::IsolateDevice => "Release from isolation",
            ActionType::RestrictCodeExecution => "Remove app restriction",
            ActionType::QuarantineFile => "Restore file from quarantine",
            ActionType::RemoveRegistryKey => "Restore registry key",
            ActionType::StopService => "Restart service",
            ActionType::DisableDriver => "Re-enable driver",
            ActionType::RemoveScheduledTask => "Restore scheduled task",
            _ => "Not undoable",
        }
    }
}

wire_enum! {
    /// Where the action applies.
    Category {
        Device => "device", "Device";
        Email => "email", "Email";
        Identity => "identity", "Identity";
    }
}

wire_enum! {
    /// Who proposed or took the action.
    Source {
        AutomatedInvestigation => "automatedInvestigation", "Automated investigation";
        Antivirus => "antivirus", "Antivirus";
        Manual => "manual", "Manual";
        AdvancedHunting => "advancedHunting", "Advanced hunting";
        LiveResponse => "liveResponse", "Live response";
    }
}

wire_enum! {
    /// Where the action is in its lifecycle (see [`crate::lifecycle`]).
    Status {
        Pending => "pending", "Pending";
        Queued => "queued", "Queued";
        Running => "running", "Running";
        Completed => "completed", "Completed";
        Failed => "failed", "Failed";
        Rejected => "rejected", "Rejected";
        Expired => "expired", "Expired";
        Cancelled => "cancelled", "Cancelled";
        Undoing => "undoing", "Undoing";
        Undone => "undone", "Undone";
        UndoFailed => "undoFailed", "Undo failed";
    }
}

wire_enum! {
    /// What kind of thing an entity or asset is.
    EntityKind {
        Device => "device", "Device";
        File => "file", "File";
        Process => "process", "Process";
        RegistryKey => "registryKey", "Registry key";
        Service => "service", "Service";
        Driver => "driver", "Driver";
        ScheduledTask => "scheduledTask", "Scheduled task";
        Email => "email", "Email";
        Url => "url", "URL";
        User => "user", "User";
        Mailbox => "mailbox", "Mailbox";
    }
}

wire_enum! {
    /// The state of the human (or automatic) decision on an action.
    DecisionState {
        Pending => "pending", "Pending";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
        Expired => "expired", "Expired";
        NotRequired => "notRequired", "Not required";
    }
}

wire_enum! {
    /// The state of an undo request.
    UndoState {
        InProgress => "inProgress", "In progress";
        Succeeded => "succeeded", "Succeeded";
        Failed => "failed", "Failed";
    }
}

wire_enum! {
    /// An operation the caller may perform on an action right now.
    Operation {
        Approve => "approve", "Approve";
        Reject => "reject", "Reject";
        Undo => "undo", "Undo";
        Cancel => "cancel", "Cancel";
        Retry => "retry", "Retry";
    }
}

/// The device, mailbox or identity the action applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// `device`, `mailbox` or `user`.
    pub kind: EntityKind,
    /// Stable id of the asset in the host product.
    #[serde(default)]
    pub id: String,
    /// Display name, e.g. "FIN-LAPTOP-07".
    #[serde(default)]
    pub name: String,
    /// Tags the approval policy keys on, e.g. `critical`, `domain-controller`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The thing acted on. Extra fields depend on `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// What the entity is.
    pub kind: EntityKind,
    /// Display name (file name, key path, service name, …).
    #[serde(default)]
    pub name: String,
    /// File hash, for files and processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Full path of a file, process image, driver or task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Registry key, e.g. `HKLM\Software\…\Run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Registry value name under `key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_name: Option<String>,
    /// Windows service short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Process id, for processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u64>,
    /// URL, for `url` entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Sender address, for emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Subject, for emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Internet message id, for emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_message_id: Option<String>,
    /// User principal name, for users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Fields this build does not know. The app ignores them; the server rejects them in requests.
    #[serde(flatten, default, skip_serializing)]
    pub unknown_fields: BTreeMap<String, serde_json::Value>,
}

impl Entity {
    /// An entity with only kind and name set.
    pub fn named(kind: EntityKind, name: impl Into<String>) -> Self {
        Entity {
            kind,
            name: name.into(),
            sha256: None,
            path: None,
            key: None,
            value_name: None,
            service_name: None,
            process_id: None,
            url: None,
            sender: None,
            subject: None,
            internet_message_id: None,
            upn: None,
            unknown_fields: BTreeMap::new(),
        }
    }
}

/// Who decided, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// The decision state.
    pub state: DecisionState,
    /// Who decided (absent while pending).
    #[serde(default)]
    pub by: Option<String>,
    /// When it was decided.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// The analyst's comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The latest undo request on an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoInfo {
    /// Where the undo is.
    pub state: UndoState,
    /// Who asked for it.
    #[serde(default)]
    pub by: Option<String>,
    /// When it was asked for.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// The analyst's comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Why it failed, in plain words.
    #[serde(default)]
    pub error: Option<String>,
}

/// Links into the host product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    /// The investigation page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigation: Option<String>,
    /// An advanced-hunting query for the entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hunt: Option<String>,
}

fn one() -> u32 {
    1
}

/// A remediation action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Opaque id, e.g. `act_01J…`.
    pub id: String,
    /// Incremented on every change; sent back as `version` / `If-Match`.
    #[serde(default)]
    pub version: i64,
    /// What the action does.
    pub action_type: ActionType,
    /// Device, email or identity.
    pub category: Category,
    /// Who proposed it.
    pub source: Source,
    /// Lifecycle status.
    pub status: Status,
    /// The investigation that proposed it.
    #[serde(default)]
    pub investigation_id: Option<String>,
    /// The incident it belongs to.
    #[serde(default)]
    pub incident_id: Option<String>,
    /// The device, mailbox or user acted on.
    pub asset: Asset,
    /// The thing acted on.
    pub entity: Entity,
    /// Who asked for it ("AIR", an analyst, a detector).
    #[serde(default)]
    pub requested_by: Option<String>,
    /// The requester's stable account id, when a person asked (the approval policy keeps them
    /// from approving it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by_id: Option<String>,
    /// The requester's comment.
    #[serde(default)]
    pub request_comment: Option<String>,
    /// Distinct approvals the policy asks for before the action runs.
    #[serde(default = "one")]
    pub required_approvals: u32,
    /// The approvals given so far (while pending; the last one is the decision).
    #[serde(default)]
    pub approvals: Vec<crate::policy::Approval>,
    /// Why Approve is missing from `allowedOperations` for this caller, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_blocked_reason: Option<crate::policy::ApproveBlockedReason>,
    /// The execution attempt: 1, then one more for every retry of a failure.
    #[serde(default = "one")]
    pub attempt: u32,
    /// The decision.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// The latest undo request.
    #[serde(default)]
    pub undo: Option<UndoInfo>,
    /// Why the action failed, in plain words.
    #[serde(default)]
    pub error: Option<String>,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When a pending action expires.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// What the caller may do with it now.
    #[serde(default)]
    pub allowed_operations: Vec<Operation>,
    /// Links into the host product.
    #[serde(default)]
    pub links: Links,
}

impl Action {
    /// The flyout's title, e.g. "Quarantine file on FIN-LAPTOP-07".
    pub fn title(&self) -> String {
        format!("{} on {}", self.action_type.label(), self.asset.name)
    }

    /// Who decided, if anyone did (not the automatic `notRequired`).
    pub fn decided_by(&self) -> Option<&str> {
        self.decision.as_ref().and_then(|d| d.by.as_deref())
    }

    /// Whether the caller may perform `op` now (as the server computed it).
    pub fn allows(&self, op: &Operation) -> bool {
        self.allowed_operations.contains(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_decode_and_keep_their_text() {
        let t: ActionType = serde_json::from_str("\"wipeDevice\"").unwrap();
        assert_eq!(t, ActionType::Unknown("wipeDevice".into()));
        assert_eq!(t.label(), "Unknown (wipeDevice)");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"wipeDevice\"");
        assert!(!t.is_undoable());
    }

    #[test]
    fn every_known_value_round_trips() {
        for t in ActionType::ALL {
            assert_eq!(&ActionType::parse(t.as_str()), t);
        }
        for s in Status::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(&serde_json::from_str::<Status>(&json).unwrap(), s);
        }
    }

    #[test]
    fn exactly_seven_types_are_undoable() {
        let undoable: Vec<_> = ActionType::ALL.iter().filter(|t| t.is_undoable()).collect();
        assert_eq!(undoable.len(), 7);
        assert!(!ActionType::RunAntivirusScan.is_undoable());
        assert!(!ActionType::DisableUser.is_undoable());
    }

    #[test]
    fn an_action_with_extra_fields_and_unknown_values_still_decodes() {
        let json = r#"{
            "id": "act_1", "version": 2, "actionType": "teleportDevice", "category": "device",
            "source": "manual", "status": "somethingNew", "futureField": {"x": 1},
            "asset": {"kind": "device", "id": "dev_1", "name": "HOST"},
            "entity": {"kind": "file", "name": "a.exe", "sha256": "ab", "hologram": true},
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "allowedOperations": ["approve", "levitate"]
        }"#;
        let action: Action = serde_json::from_str(json).unwrap();
        assert_eq!(action.status, Status::Unknown("somethingNew".into()));
        assert_eq!(action.entity.sha256.as_deref(), Some("ab"));
        assert!(action.entity.unknown_fields.contains_key("hologram"));
        assert!(action.allows(&Operation::Approve));
        assert_eq!(action.title(), "Unknown (teleportDevice) on HOST");
    }
}
