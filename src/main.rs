//! The wasm module's start: on the standalone page (its `<body>` is marked), mount the Action
//! Center into `<body>`. Loaded by a host page, it does nothing: the host calls `mount`.
fn main() {
    if action_center::embed::is_standalone_page() {
        action_center::mount_standalone();
    }
}
