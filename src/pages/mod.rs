//! Pages compose components and own the data loading.

pub mod action_center;
pub mod open_action;

pub use action_center::ActionCenterPage;
pub use open_action::OpenAction;
