//! intune-assist: remote assistance for Intune-managed devices through TeamViewer, from a
//! terminal.

pub mod domain;
pub mod http;
pub mod sim;
pub mod assist;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod graph;
pub mod teamviewer;
pub mod config;
pub mod logging;
pub mod services;
