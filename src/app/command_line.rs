//! The `:` command line.

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Home,
    Devices,
    Device(String),
    Sessions,
    Connector,
    Accounts,
    Logs,
    Audit,
    History,
    /// `:tenant NAME` switches; `:tenant` alone lists the profiles.
    Tenant(Option<String>),
    Help,
    Quit,
}

/// Every command with what it opens, as help lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (":home", "Intune, the home blade"),
    (":devices", "All devices"),
    (":device NAME", "a device, by name or id"),
    (":sessions", "live remote assistance sessions"),
    (":connector", "the TeamViewer connector"),
    (":accounts", "sign-ins to Microsoft and TeamViewer"),
    (":logs", "this run's log"),
    (":audit", "changes made from this app"),
    (
        ":history",
        "past sessions, from TeamViewer's connection report",
    ),
    (
        ":tenant NAME",
        "switch to another tenant profile (:tenants lists them)",
    ),
    (":help", "this help"),
    (":q", "quit"),
];

/// Parses what was typed after `:`.
pub fn parse(text: &str) -> Result<Command, String> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    let command = match word {
        "home" | "intune" => Command::Home,
        "devices" | "dev" => Command::Devices,
        "device" | "d" if !rest.is_empty() => Command::Device(rest.to_string()),
        "device" | "d" => return Err("usage: :device NAME".into()),
        "sessions" | "s" => Command::Sessions,
        "connector" | "teamviewer" | "tv" => Command::Connector,
        "accounts" | "account" | "login" => Command::Accounts,
        "logs" | "log" => Command::Logs,
        "audit" => Command::Audit,
        "history" | "hist" => Command::History,
        "tenant" | "tenants" if !rest.is_empty() => Command::Tenant(Some(rest.to_string())),
        "tenant" | "tenants" => Command::Tenant(None),
        "help" | "h" => Command::Help,
        "q" | "quit" | "q!" => Command::Quit,
        "" => {
            return Err(
                "type a command: devices, device NAME, sessions, connector, accounts, logs, audit, \
                 history, tenant NAME, help, q"
                    .into(),
            );
        }
        other => {
            return Err(format!(
                "unknown command `{}`",
                crate::domain::text::sanitize(other)
            ));
        }
    };
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("devices"), Ok(Command::Devices));
        assert_eq!(
            parse(" device  DESKTOP 7F3K "),
            Ok(Command::Device("DESKTOP 7F3K".into()))
        );
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert!(parse("device").is_err());
        assert!(parse("frobnicate").unwrap_err().contains("frobnicate"));
    }
}
