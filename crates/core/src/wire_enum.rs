//! String enums that decode totally.
//!
//! The app must never fail (let alone panic) because a server or host portal sends an enum value
//! this build does not know yet, so every wire enum has an `Unknown(String)` variant that keeps
//! the raw value. The server rejects `Unknown` in requests with `invalidRequest`.

/// Declares a wire enum: camelCase wire names, human labels, total decoding.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`: ", $label, ".")] $variant, )+
            /// A value this build does not know; kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire (JSON / query string) spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(raw) => raw.as_str(),
                }
            }

            /// Decodes a wire value; never fails.
            pub fn parse(raw: &str) -> Self {
                match raw {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// Decodes a wire value, or `None` when it is not a known value.
            pub fn parse_known(raw: &str) -> Option<Self> {
                match Self::parse(raw) {
                    $name::Unknown(_) => None,
                    known => Some(known),
                }
            }

            /// Whether this is a value this build knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// What an analyst reads, e.g. "Quarantine file"; unknown values read "Unknown (raw)".
            pub fn label(&self) -> std::borrow::Cow<'static, str> {
                match self {
                    $( $name::$variant => std::borrow::Cow::Borrowed($label), )+
                    $name::Unknown(raw) => std::borrow::Cow::Owned(format!("Unknown ({raw})")),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok($name::parse(&raw))
            }
        }
    };
}

pub(crate) use wire_enum;
