//! One component per file. Components take their data as props (or read a context the page
//! or a test provides) and never build URLs or parse JSON.

pub mod action_details;
pub mod action_row;
pub mod action_table;
pub mod bulk_bar;
pub mod comment_box;
pub mod error_view;
pub mod flyout;
pub mod live_region;
pub mod operation_panel;
pub mod pager;
pub mod search_box;
pub mod sign_in;
pub mod sort_header;
pub mod status_badge;
pub mod tab_bar;
pub mod time_stamp;
pub mod timeline;
pub mod user_bar;

pub use action_details::ActionDetails;
pub use action_row::ActionRow;
pub use action_table::ActionTable;
pub use bulk_bar::BulkBar;
pub use comment_box::CommentBox;
pub use error_view::ErrorView;
pub use flyout::Flyout;
pub use live_region::LiveRegion;
pub use operation_panel::{OperationPanel, PanelKind};
pub use pager::Pager;
pub use search_box::SearchBox;
pub use sign_in::SignInForm;
pub use sort_header::SortHeader;
pub use status_badge::StatusBadge;
pub use tab_bar::TabBar;
pub use time_stamp::TimeStamp;
pub use timeline::Timeline;
pub use user_bar::UserBar;
