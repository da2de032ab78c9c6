//! The standalone page: mount the Action Center into `<body>`.
fn main() {
    action_center::mount_standalone();
}
