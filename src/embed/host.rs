//! The host page as the components see it (a context): the events the app sends out of its
//! mount element, and the links the host configured.

use action_center_core::format::BulkKind;
use action_center_core::{Action, BulkResponse, Entity, ItemResult};
use leptos::html::Div;
use leptos::prelude::*;
use serde::Serialize;

use crate::embed::links::{LinkKind, LinkRules};
use crate::embed::to_js;

/// `detail` of `actioncenter:open-investigation` and `actioncenter:go-hunt`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkDetail<'a> {
    action_id: &'a str,
    investigation_id: Option<&'a str>,
    incident_id: Option<&'a str>,
    entity: &'a Entity,
    url: Option<&'a str>,
}

/// `detail` of `actioncenter:decided` (with `decision`) and `actioncenter:undone`.
#[derive(Serialize)]
struct OutcomeDetail<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'static str>,
    results: &'a [ItemResult],
}

/// `detail` of `actioncenter:fatal`.
#[derive(Serialize)]
struct FatalDetail<'a> {
    message: &'a str,
}

/// Sends `name` as a DOM `CustomEvent` from `target`: it bubbles, and leaves a shadow root
/// (`composed`). Returns `false` when a listener called `preventDefault()`.
pub fn dispatch(
    target: &web_sys::EventTarget,
    name: &str,
    detail: &impl Serialize,
    cancelable: bool,
) -> bool {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(cancelable);
    init.set_detail(&to_js(detail));
    match web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(event) => target.dispatch_event(&event).unwrap_or(true),
        Err(_) => true,
    }
}

/// Tells the host that this instance cannot go on: `actioncenter:fatal` with a message.
pub fn dispatch_fatal(target: &web_sys::EventTarget, message: &str) {
    dispatch(
        target,
        "actioncenter:fatal",
        &FatalDetail { message },
        false,
    );
}

/// The host page: where events go (the app's root element) and the host's links.
#[derive(Clone, Copy)]
pub struct Host {
    root: NodeRef<Div>,
    links: StoredValue<LinkRules, LocalStorage>,
}

impl Host {
    /// A host whose events leave from `root`, with these links.
    pub fn new(root: NodeRef<Div>, links: LinkRules) -> Self {
        Host {
            root,
            links: StoredValue::new_local(links),
        }
    }

    /// The link of `kind` for `action`, if any (the button is disabled without one).
    pub fn link(&self, kind: LinkKind, action: &Action) -> Option<String> {
        self.links
            .try_with_value(|links| links.url(kind, action))
            .flatten()
    }

    /// The analyst follows a link: the host hears of it first (`actioncenter:open-investigation`
    /// or `actioncenter:go-hunt`); unless it calls `preventDefault()`, the link opens in a new tab.
    pub fn follow(&self, kind: LinkKind, action: &Action) {
        let url = self.link(kind, action);
        let detail = LinkDetail {
            action_id: &action.id,
            investigation_id: action.investigation_id.as_deref(),
            incident_id: action.incident_id.as_deref(),
            entity: &action.entity,
            url: url.as_deref(),
        };
        if self.send(kind.event(), &detail, true) {
            if let (Some(url), Some(window)) = (url, web_sys::window()) {
                let _ = window.open_with_url_and_target_and_features(
                    &url,
                    "_blank",
                    "noopener,noreferrer",
                );
            }
        }
    }

    /// A decision or undo answered: `actioncenter:decided` (with `decision`) or
    /// `actioncenter:undone`, with the server's per-item results.
    pub fn report(&self, kind: BulkKind, response: &BulkResponse) {
        let (name, decision) = match kind {
            BulkKind::Approve => ("actioncenter:decided", Some("approve")),
            BulkKind::Reject => ("actioncenter:decided", Some("reject")),
            BulkKind::Undo => ("actioncenter:undone", None),
            BulkKind::Retry => ("actioncenter:retried", None),
        };
        let detail = OutcomeDetail {
            decision,
            results: &response.results,
        };
        self.send(name, &detail, false);
    }

    /// The element this instance's DOM lives in (its root; the document's when mounted on its
    /// own), for lookups that must stay inside one instance.
    /// `None` once the instance is gone.
    pub fn scope(&self) -> Option<web_sys::Element> {
        // `try_`: this runs after awaits and frames, when the instance may be unmounted.
        match self.root.try_get_untracked()? {
            Some(root) => Some(root.into()),
            None => web_sys::window()?.document()?.document_element(),
        }
    }

    /// `actioncenter:fatal`.
    pub fn fatal(&self, message: &str) {
        if let Some(root) = self.root.try_get_untracked().flatten() {
            dispatch_fatal(&root, message);
        }
    }

    fn send(&self, name: &str, detail: &impl Serialize, cancelable: bool) -> bool {
        match self.root.try_get_untracked().flatten() {
            Some(root) => dispatch(&root, name, detail, cancelable),
            None => true,
        }
    }
}

/// The host from context; a component mounted on its own (tests) gets the API's links and
/// sends no events.
pub fn use_host() -> Host {
    use_context::<Host>().unwrap_or_else(|| Host::new(NodeRef::new(), LinkRules::default()))
}
