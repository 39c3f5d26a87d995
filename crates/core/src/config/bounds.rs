//! Numbers, durations and strings that must lie within the bounds the documentation gives.
//!
//! Each reader here is used with `#[serde(deserialize_with = ...)]` on one key, so the error
//! names that key and its documented range ("`weight: 150` is outside 0–100") instead of the
//! range of the integer type that happens to hold it, and points at the value itself: the
//! check runs while the value is read, before the parser moves on.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::duration::Duration;
use super::error::invalid;

/// A whole number for `key` within `min..=max`; `null` is refused (see [`optional_number`]).
pub(crate) fn number<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    min: u64,
    max: u64,
) -> Result<u64, D::Error> {
    deserializer
        .deserialize_any(NumberVisitor { key, min, max })?
        .ok_or_else(|| {
            de::Error::custom(invalid(
                format_args!("`{key}` has no value"),
                format_args!("write a whole number from {min} to {max}, or remove the key"),
            ))
        })
}

/// Like [`number`], with `null` (`key:` and nothing after it) read as not set.
pub(crate) fn optional_number<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, D::Error> {
    deserializer.deserialize_any(NumberVisitor { key, min, max })
}

struct NumberVisitor {
    key: &'static str,
    min: u64,
    max: u64,
}

impl NumberVisitor {
    fn range(&self) -> String {
        format!("{}–{}", self.min, self.max)
    }

    fn refuse<E: de::Error>(&self, found: impl fmt::Display) -> E {
        E::custom(invalid(
            format_args!(
                "`{}` must be a whole number from {} to {}, not {found}",
                self.key, self.min, self.max
            ),
            format_args!(
                "write digits only, e.g. `{}: {}`",
                self.key,
                self.min.max(1).min(self.max)
            ),
        ))
    }

    fn check<E: de::Error>(&self, value: i128) -> Result<Option<u64>, E> {
        match u64::try_from(value) {
            Ok(value) if (self.min..=self.max).contains(&value) => Ok(Some(value)),
            _ => Err(E::custom(invalid(
                format_args!("`{}: {value}` is outside {}", self.key, self.range()),
                format_args!("use a whole number from {} to {}", self.min, self.max),
            ))),
        }
    }
}

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from {} to {}", self.min, self.max)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        self.check(i128::from(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.check(i128::from(value))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Self::Value, E> {
        self.check(i128::try_from(value).unwrap_or(i128::MAX))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Self::Value, E> {
        self.check(value)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Err(self.refuse(format_args!("`{value}`")))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Err(self.refuse(format_args!("`{value}`")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Err(self.refuse(format_args!("the text `{}`", value.escape_debug())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.refuse("a list"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.refuse("a mapping"))
    }
}

/// A duration for `key` of at least `min` (and at most [`Duration::MAX`], as every duration).
pub(crate) fn duration_at_least<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    min: Duration,
) -> Result<Duration, D::Error> {
    let value = Duration::deserialize(deserializer)?;
    if value < min {
        return Err(de::Error::custom(invalid(
            format_args!("`{key}: {value}` is shorter than {min}"),
            format_args!("use at least `{min}`; `30s` suits most services"),
        )));
    }
    Ok(value)
}

/// A duration for `key` within `min..=max`; `null` reads as not set.
pub(crate) fn optional_duration_within<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    min: Duration,
    max: Duration,
) -> Result<Option<Duration>, D::Error> {
    let Some(value) = Option::<Duration>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if value < min || value > max {
        return Err(de::Error::custom(invalid(
            format_args!("`{key}: {value}` is outside {min}–{max}"),
            format_args!("use a duration from `{min}` to `{max}`, e.g. `{key}: 10s`"),
        )));
    }
    Ok(Some(value))
}

/// Why `text` cannot be the value of a key that needs words, or `None` when it can.
fn blank(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("is empty")
    } else if text.trim().is_empty() {
        Some("is blank")
    } else {
        None
    }
}

fn refuse_blank<E: de::Error>(key: &str, why: &str, hint: &str) -> E {
    E::custom(invalid(format_args!("`{key}` {why}"), hint))
}

/// A string for `key` that is not empty or only whitespace; `what` completes "give ...".
pub(crate) fn words<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    what: &'static str,
) -> Result<String, D::Error> {
    let text = text(deserializer, key, what)?;
    match blank(&text) {
        Some(why) => Err(refuse_blank(key, why, &format!("give {what}"))),
        None => Ok(text),
    }
}

/// Like [`words`], for an optional key: `null` is not set, an empty string is refused.
pub(crate) fn optional_words<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    what: &'static str,
) -> Result<Option<String>, D::Error> {
    let Some(text) = Option::<Text>::deserialize(deserializer)? else {
        return Ok(None);
    };
    match blank(&text.0) {
        Some(why) => Err(refuse_blank(
            key,
            why,
            &format!("give {what}, or remove `{key}`"),
        )),
        None => Ok(Some(text.0)),
    }
}

/// A list of strings for `key`, none of them empty or blank (and, with `single_word`, none with
/// whitespace inside). Each item is checked while it is read, so the error points at the item.
pub(crate) fn word_list<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    what: &'static str,
    single_word: bool,
) -> Result<Vec<String>, D::Error> {
    let item = Item {
        key,
        what,
        single_word,
    };
    deserializer.deserialize_any(ListVisitor(item))
}

/// What each entry of a [`word_list`] must be.
#[derive(Clone, Copy)]
struct Item {
    key: &'static str,
    what: &'static str,
    single_word: bool,
}

impl Item {
    fn check<E: de::Error>(self, item: &str) -> Result<String, E> {
        if let Some(why) = blank(item) {
            return Err(E::custom(invalid(
                format_args!("an entry of `{}` {why}", self.key),
                format_args!("give {} in each entry, or remove the empty one", self.what),
            )));
        }
        if self.single_word && item.chars().any(char::is_whitespace) {
            return Err(E::custom(invalid(
                format_args!("`{}` entry `{item}` contains whitespace", self.key),
                format_args!("give one {} per entry, without spaces", self.what),
            )));
        }
        Ok(item.to_string())
    }
}

struct ListVisitor(Item);

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {}", self.0.what)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(items)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Err(E::custom(invalid(
            format_args!("`{}` must be a list, not the text `{value}`", self.0.key),
            format_args!("write `{}: [{value}]`", self.0.key),
        )))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(invalid(
            format_args!("`{}` must be a list, not a mapping", self.0.key),
            format_args!("write `{}: [a, b]`", self.0.key),
        )))
    }
}

impl<'de> de::DeserializeSeed<'de> for Item {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// One entry, checked inside the parser's reading of it so the error carries its location.
impl<'de> Visitor<'de> for Item {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        self.check(value)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<String, E> {
        self.check(&value.to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        self.check(&value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        self.check(&value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<String, E> {
        self.check(&value.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.check("")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(invalid(
            format_args!("an entry of `{}` is a list", self.key),
            format_args!("give {} in each entry", self.what),
        )))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(invalid(
            format_args!("an entry of `{}` is a mapping", self.key),
            format_args!(
                "give {} in each entry, quoted if it contains `: `",
                self.what
            ),
        )))
    }
}

fn text<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
    what: &'static str,
) -> Result<String, D::Error> {
    match Option::<Text>::deserialize(deserializer)? {
        Some(text) => Ok(text.0),
        None => Err(refuse_blank(key, "has no value", &format!("give {what}"))),
    }
}

/// A scalar read as text, whatever YAML made of it: `command: true` is the command `true`, and
/// `reason: 2024` a reason. A list or a mapping is refused in words.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Text, E> {
                Ok(Text(value.to_string()))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Text, A::Error> {
                Err(de::Error::custom(invalid(
                    "expected text here, found a list",
                    "write the value on the same line as its key, quoted if it has `: ` or `#` in it",
                )))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Text, A::Error> {
                Err(de::Error::custom(invalid(
                    "expected text here, found a mapping",
                    "quote the value if it contains `: `, e.g. `command: \"echo a: b\"`",
                )))
            }
        }

        deserializer.deserialize_any(TextVisitor)
    }
}
