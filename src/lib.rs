//! intune-assist: remote assistance for Intune-managed devices through TeamViewer, from a
//! terminal.

pub mod domain;
pub mod http;
pub mod sim;
pub mod auth;
pub mod graph;
pub mod teamviewer;
