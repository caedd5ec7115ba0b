//! Enums whose values come from a service and may grow: unknown values are kept, never fatal.

/// Declares an enum of known wire values plus `Other` (its text) for any value not (yet) known.
///
/// Each variant names its wire spelling and a label for people. Parsing is case-insensitive.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $label] $variant,)+
            /// A value this version does not know, kept as sent.
            Other(Box<str>),
        }

        impl $name {
            /// Parses a wire value; unknown values become `Other`.
            pub fn from_wire(value: &str) -> Self {
                // Spelt as the service spells it, the usual case, one comparison finds it.
                match value {
                    $($wire => return Self::$variant,)+
                    _ => {}
                }
                $(if value.eq_ignore_ascii_case($wire) { return Self::$variant; })+
                Self::Other($crate::domain::text::sanitize(value).into_boxed_str())
            }

            /// The value as the service spells it.
            pub fn as_wire(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(value) => value,
                }
            }

            /// The known values, in order: a value's code is its place here.
            const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// A known value's code (its place among the known values); `None` for `Other`.
            pub fn code(&self) -> Option<u8> {
                Self::KNOWN
                    .iter()
                    .position(|known| known == self)
                    .and_then(|i| u8::try_from(i).ok())
            }

            /// The known value with `code`.
            pub fn from_code(code: u8) -> Option<Self> {
                Self::KNOWN.get(usize::from(code)).cloned()
            }

            /// A short label for people.
            pub fn label(&self) -> &str {
                match self {
                    $(Self::$variant => $label,)+
                    Self::Other(value) => value,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_wire())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::domain::wire_enum::parse_str(deserializer, Self::from_wire)
            }
        }
    };
}

pub(crate) use wire_enum;

/// Deserialises a string with `parse`, borrowing it from the input where the format allows
/// (no allocation a value: a tenant's list has four of these a device).
pub(crate) fn parse_str<'de, D, T>(deserializer: D, parse: fn(&str) -> T) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Parse<T>(fn(&str) -> T);

    impl<T> serde::de::Visitor<'_> for Parse<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }

    deserializer.deserialize_str(Parse(parse))
}
