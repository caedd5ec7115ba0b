//! intune-assist: remote assistance for Intune-managed devices through TeamViewer, from a
//! terminal.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod app;
pub mod assist;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod domain;
pub mod format;
pub mod graph;
pub mod history;
pub mod http;
pub mod inventory;
pub mod logging;
pub mod script;
pub mod services;
pub mod sim;
pub mod teamviewer;
pub mod tenants;
pub mod term;
pub mod ui;
