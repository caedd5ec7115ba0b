//! The subset of OData `$filter` that Intune's managedDevices supports, and nothing more.
//!
//! Only the operators Graph documents per property are accepted (api-facts §1.3); anything
//! else is rejected the way Graph rejects it, so client bugs show up in tests.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::tenant::SimDevice;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        field: String,
        op: Op,
        value: Literal,
    },
    Contains {
        field: String,
        value: String,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Time(OffsetDateTime),
}

/// Operators each filterable property supports: exactly the CSDL annotations api-facts §1.3
/// lists (no `startswith`, nothing on `userId`).
const SUPPORTED: &[(&str, &[&str])] = &[
    ("deviceName", &["eq", "contains"]),
    ("operatingSystem", &["eq"]),
    ("osVersion", &["contains"]),
    ("userPrincipalName", &["eq", "ne"]),
    ("emailAddress", &["contains"]),
    ("complianceState", &["eq"]),
    ("managementState", &["eq"]),
    ("managementAgent", &["eq"]),
    ("lastSyncDateTime", &["lt", "gt"]),
    ("enrolledDateTime", &["lt", "gt"]),
    ("model", &["eq", "contains"]),
    ("manufacturer", &["eq"]),
    ("serialNumber", &["eq"]),
    ("azureADDeviceId", &["eq"]),
];

fn check_supported(field: &str, op: &str) -> Result<String, String> {
    let (name, ops) = SUPPORTED
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(field))
        .ok_or_else(|| format!("Filtering on property '{field}' is not supported."))?;
    if ops.contains(&op) {
        Ok((*name).to_string())
    } else {
        Err(format!(
            "Operator '{op}' is not supported on property '{name}'."
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        Some('\'') => break,
                        Some(ch) => s.push(ch),
                        None => return Err("Unterminated string literal.".into()),
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_alphanumeric() || matches!(ch, '_' | '.' | ':' | '-' | '+') {
                        s.push(ch);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if s.is_empty() {
                    return Err(format!("Syntax error at '{c}'."));
                }
                tokens.push(Token::Ident(s));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Ident(s)) if s.eq_ignore_ascii_case(keyword))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == token => Ok(()),
            other => Err(format!(
                "Syntax error: expected {token:?}, found {other:?}."
            )),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close)?;
                Ok(inner)
            }
            Some(Token::Ident(name)) if matches!(self.tokens.get(self.pos), Some(Token::Open)) => {
                self.pos += 1;
                let field = match self.next() {
                    Some(Token::Ident(f)) => f,
                    other => {
                        return Err(format!(
                            "Syntax error: expected a property, found {other:?}."
                        ));
                    }
                };
                self.expect(Token::Comma)?;
                let value = match self.next() {
                    Some(Token::Str(v)) => v,
                    other => {
                        return Err(format!("Syntax error: expected a string, found {other:?}."));
                    }
                };
                self.expect(Token::Close)?;
                let function = name.to_ascii_lowercase();
                let field = check_supported(&field, &function)?;
                match function.as_str() {
                    "contains" => Ok(Filter::Contains { field, value }),
                    _ => Err(format!("Function '{name}' is not supported.")),
                }
            }
            Some(Token::Ident(field)) => {
                let op_name = match self.next() {
                    Some(Token::Ident(op)) => op.to_ascii_lowercase(),
                    other => {
                        return Err(format!(
                            "Syntax error: expected an operator, found {other:?}."
                        ));
                    }
                };
                let op = match op_name.as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "lt" => Op::Lt,
                    "gt" => Op::Gt,
                    _ => return Err(format!("Operator '{op_name}' is not supported.")),
                };
                let field = check_supported(&field, &op_name)?;
                let value = match self.next() {
                    Some(Token::Str(v)) => Literal::Str(v),
                    Some(Token::Ident(v)) => {
                        Literal::Time(OffsetDateTime::parse(&v, &Rfc3339).map_err(|_| {
                            format!("The literal '{v}' is not a valid DateTimeOffset.")
                        })?)
                    }
                    other => {
                        return Err(format!(
                            "Syntax error: expected a literal, found {other:?}."
                        ));
                    }
                };
                Ok(Filter::Compare { field, op, value })
            }
            other => Err(format!("Syntax error at {other:?}.")),
        }
    }
}

/// Parses a `$filter` value.
pub fn parse(input: &str) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
    };
    let filter = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return Err("Syntax error: unexpected text after the expression.".into());
    }
    Ok(filter)
}

fn string_field<'a>(device: &'a SimDevice, field: &str) -> &'a str {
    match field {
        "deviceName" => &device.device_name,
        "operatingSystem" => &device.operating_system,
        "osVersion" => &device.os_version,
        "userPrincipalName" => &device.user_principal_name,
        "emailAddress" => &device.email_address,
        "complianceState" => device.compliance_state,
        "managementState" => device.management_state,
        "managementAgent" => device.management_agent,
        "model" => &device.model,
        "manufacturer" => &device.manufacturer,
        "serialNumber" => &device.serial_number,
        "azureADDeviceId" => &device.azure_ad_device_id,
        "userId" => &device.user_id,
        _ => "",
    }
}

impl Filter {
    /// Whether the expression filters on `field`.
    pub fn mentions(&self, field: &str) -> bool {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => a.mentions(field) || b.mentions(field),
            Filter::Not(inner) => inner.mentions(field),
            Filter::Compare { field: f, .. } | Filter::Contains { field: f, .. } => f == field,
        }
    }

    /// Whether the device matches. Whether Graph's string comparisons ignore case is not
    /// documented, so it is the simulator's option: `case_sensitive` compares exactly.
    pub fn matches(&self, device: &SimDevice, case_sensitive: bool) -> bool {
        match self {
            Filter::Or(a, b) => {
                a.matches(device, case_sensitive) || b.matches(device, case_sensitive)
            }
            Filter::And(a, b) => {
                a.matches(device, case_sensitive) && b.matches(device, case_sensitive)
            }
            Filter::Not(a) => !a.matches(device, case_sensitive),
            Filter::Contains { field, value } if case_sensitive => {
                string_field(device, field).contains(value.as_str())
            }
            Filter::Contains { field, value } => string_field(device, field)
                .to_lowercase()
                .contains(&value.to_lowercase()),
            Filter::Compare { field, op, value } => match value {
                Literal::Str(v) => {
                    let actual = string_field(device, field);
                    let equal = if case_sensitive {
                        actual == v
                    } else {
                        actual.eq_ignore_ascii_case(v)
                    };
                    match op {
                        Op::Eq => equal,
                        Op::Ne => !equal,
                        Op::Lt | Op::Gt => false,
                    }
                }
                Literal::Time(t) => {
                    let actual = match field.as_str() {
                        "lastSyncDateTime" => device.last_sync,
                        _ => device.enrolled,
                    };
                    match op {
                        Op::Lt => actual < *t,
                        Op::Gt => actual > *t,
                        Op::Eq => actual == *t,
                        Op::Ne => actual != *t,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_forms() {
        assert!(parse("operatingSystem eq 'Android' or operatingSystem eq 'Windows'").is_ok());
        assert!(parse("deviceName eq 'O''Brien''s PC'").is_ok());
        assert!(parse("contains(deviceName,'lap') and complianceState eq 'compliant'").is_ok());
        assert!(parse("lastSyncDateTime lt 2024-05-01T00:00:00Z").is_ok());
        assert!(parse("(operatingSystem eq 'iOS')").is_ok());
    }

    #[test]
    fn rejects_what_graph_rejects() {
        assert!(parse("isEncrypted eq 'true'").is_err());
        assert!(parse("contains(operatingSystem,'Win')").is_err());
        assert!(parse("deviceName gt 'a'").is_err());
        assert!(parse("deviceName eq 'unterminated").is_err());
        assert!(parse("deviceName eq 'a' extra").is_err());
    }
}
