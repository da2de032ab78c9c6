//! Action Center app (placeholder).
use leptos::prelude::*;

/// Mounts the app into the page body.
pub fn mount_standalone() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <h1>"Action Center"</h1> });
}
