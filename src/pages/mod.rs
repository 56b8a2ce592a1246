//! One file (or folder) per page, with the server functions that feed it.

pub mod home;
pub mod mailbox_detail;
pub mod order_detail;
pub mod recent;
pub mod wizard;
