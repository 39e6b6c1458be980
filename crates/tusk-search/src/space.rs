//! A [`SearchSpace`]: named [`Distribution`]s, as hyperas writes them inside a model function
//! (`{{choice([64, 128])}}`, `{{uniform(0, 1)}}`) or as a JSON space file holds them:
//!
//! ```json
//! {"units": {"choice": [64, 128, 256]}, "dropout": {"uniform": [0.0, 0.5]},
//!  "lr": {"loguniform": [-9.2, -2.3]}, "batch": {"quniform": [16, 128, 16]}}
//! ```
//!
//! Semantics are hyperopt's: `loguniform(a, b)` is `exp(uniform(a, b))` (bounds in log space),
//! `qloguniform(a, b, q)` that rounded to a multiple of `q`, `lognormal(μ, σ)` is
//! `exp(normal(μ, σ))`, `randint(n)` an integer in `[0, n)`. Every distribution also has an
//! *internal* coordinate — the value before `exp` and rounding — in which the samplers work;
//! [`Distribution::internal`] maps a drawn value back to it.

use crate::error::{Error, Result};
use named::NamedDistributions;
use rand::Rng;
use rand_distr::{Distribution as _, Normal};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The support of an internal coordinate: bounded, as the samplers need it. Normal and
/// log-normal distributions are taken over `μ ± 10σ`.
pub const NORMAL_SPAN: f64 = 10.0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    Choice(Vec<Value>),
    Uniform(f64, f64),
    QUniform(f64, f64, f64),
    LogUniform(f64, f64),
    QLogUniform(f64, f64, f64),
    Normal(f64, f64),
    LogNormal(f64, f64),
    RandInt(u64),
}

impl Distribution {
    /// Checks the arguments; `name` is the parameter, for the message.
    pub fn validate(&self, name: &str) -> Result<()> {
        let bad = |m: String| Err(Error::Space(format!("parameter '{name}': {m}")));
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Distribution::Choice(ref options) if options.is_empty() => bad("choice([]) has no options".into()),
            Distribution::Uniform(a, b) | Distribution::QUniform(a, b, _) | Distribution::LogUniform(a, b) | Distribution::QLogUniform(a, b, _) if !(finite(&[a, b]) && a < b) => {
                bad(format!("{}({a}, {b}) needs finite bounds with low < high", self.kind()))
            }
            Distribution::QUniform(_, _, q) | Distribution::QLogUniform(_, _, q) if !(q.is_finite() && q > 0.0) => bad(format!("{}: q must be positive, got {q}", self.kind())),
            Distribution::Normal(mu, s) | Distribution::LogNormal(mu, s) if !(finite(&[mu, s]) && s > 0.0) => bad(format!("{}({mu}, {s}) needs a finite mean and a positive sigma", self.kind())),
            Distribution::RandInt(0) => bad("randint(0) has no values".into()),
            _ => Ok(()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Distribution::Choice(_) => "choice",
            Distribution::Uniform(..) => "uniform",
            Distribution::QUniform(..) => "quniform",
            Distribution::LogUniform(..) => "loguniform",
            Distribution::QLogUniform(..) => "qloguniform",
            Distribution::Normal(..) => "normal",
            Distribution::LogNormal(..) => "lognormal",
            Distribution::RandInt(_) => "randint",
        }
    }

    /// The number of options of a categorical distribution (`choice`); `None` otherwise.
    pub fn categories(&self) -> Option<usize> {
        match self {
            Distribution::Choice(o) => Some(o.len()),
            _ => None,
        }
    }

    /// The bounds of the internal coordinate (continuous distributions).
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform(a, b) | Distribution::QUniform(a, b, _) | Distribution::LogUniform(a, b) | Distribution::QLogUniform(a, b, _) => (a, b),
            Distribution::Normal(mu, s) | Distribution::LogNormal(mu, s) => (mu - NORMAL_SPAN * s, mu + NORMAL_SPAN * s),
            Distribution::RandInt(n) => (0.0, n as f64),
            Distribution::Choice(ref o) => (0.0, o.len() as f64),
        }
    }

    /// A draw from the prior, in the internal coordinate (`choice`: the option's index).
    pub fn draw_internal(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Distribution::Normal(mu, s) | Distribution::LogNormal(mu, s) => Normal::new(mu, s).map_or(mu, |n| n.sample(rng)),
            Distribution::Choice(ref o) => rng.gen_range(0..o.len()) as f64,
            _ => {
                let (a, b) = self.bounds();
                rng.gen_range(a..b)
            }
        }
    }

    /// The parameter value of an internal coordinate.
    pub fn value(&self, x: f64) -> Value {
        let q = |v: f64, q: f64| (v / q).round() * q;
        match *self {
            Distribution::Choice(ref o) => o[(x.max(0.0) as usize).min(o.len() - 1)].clone(),
            Distribution::Uniform(..) | Distribution::Normal(..) => json!(x),
            Distribution::QUniform(_, _, step) => json!(q(x, step)),
            Distribution::LogUniform(..) | Distribution::LogNormal(..) => json!(x.exp()),
            Distribution::QLogUniform(_, _, step) => json!(q(x.exp(), step)),
            Distribution::RandInt(n) => json!((x.max(0.0) as u64).min(n - 1)),
        }
    }

    /// The internal coordinate of a parameter value (the inverse of [`Self::value`], up to
    /// rounding); `None` for a value this distribution cannot have produced.
    pub fn internal(&self, v: &Value) -> Option<f64> {
        match self {
            Distribution::Choice(o) => o.iter().position(|x| x == v).map(|i| i as f64),
            Distribution::LogUniform(..) | Distribution::LogNormal(..) | Distribution::QLogUniform(..) => v.as_f64().filter(|x| *x > 0.0).map(f64::ln),
            _ => v.as_f64(),
        }
    }
}

/// Named distributions, in the order they were given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SearchSpace {
    pub params: NamedDistributions,
}

impl SearchSpace {
    /// A space from JSON (`{"name": {"uniform": [0, 1]}, ...}`), checked.
    pub fn from_json(text: &str) -> Result<SearchSpace> {
        let space: SearchSpace = serde_json::from_str(text).map_err(|e| Error::Space(format!("not a search space: {e}")))?;
        space.validate()?;
        Ok(space)
    }

    pub fn validate(&self) -> Result<()> {
        if self.params.is_empty() {
            return Err(Error::Space("no parameters to search".into()));
        }
        self.params.iter().try_for_each(|(name, d)| d.validate(name))
    }
}

/// A name → distribution list that keeps its order through serde (a JSON object in, the same
/// object out) and refuses a name given twice.
mod named {
    use super::Distribution;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct NamedDistributions(pub Vec<(String, Distribution)>);

    impl NamedDistributions {
        pub fn iter(&self) -> impl Iterator<Item = (&String, &Distribution)> {
            self.0.iter().map(|(k, v)| (k, v))
        }
        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Serialize for NamedDistributions {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    impl<'de> Deserialize<'de> for NamedDistributions {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = NamedDistributions;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object of parameter name → distribution")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<NamedDistributions, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = a.next_entry::<String, Distribution>()? {
                        if out.iter().any(|(n, _): &(String, Distribution)| *n == k) {
                            return Err(serde::de::Error::custom(format!("parameter '{k}' is given twice")));
                        }
                        out.push((k, v));
                    }
                    Ok(NamedDistributions(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn a_space_file_parses_and_draws_in_range() {
        let space = SearchSpace::from_json(r#"{"units": {"choice": [64, 128]}, "dropout": {"uniform": [0.0, 0.5]},
            "lr": {"loguniform": [-9.0, -2.0]}, "batch": {"quniform": [16, 128, 16]}, "k": {"randint": 3}}"#).unwrap();
        assert_eq!(space.params.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["units", "dropout", "lr", "batch", "k"]);
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..200 {
            for (name, d) in space.params.iter() {
                let v = d.value(d.draw_internal(&mut rng));
                match name.as_str() {
                    "units" => assert!(v == json!(64) || v == json!(128)),
                    "dropout" => assert!((0.0..0.5).contains(&v.as_f64().unwrap())),
                    "lr" => assert!(((-9f64).exp()..=(-2f64).exp()).contains(&v.as_f64().unwrap())),
                    "batch" => assert_eq!(v.as_f64().unwrap() % 16.0, 0.0),
                    _ => assert!(v.as_u64().unwrap() < 3),
                }
                let back = d.internal(&v).unwrap();
                assert_eq!(d.value(back), v, "{name}: value → internal → value");
            }
        }
    }

    #[test]
    fn bad_spaces_name_the_parameter() {
        for (text, needle) in [
            (r#"{"units": {"choice": []}}"#, "'units': choice([])"),
            (r#"{"p": {"uniform": [1, 0]}}"#, "'p': uniform(1, 0)"),
            (r#"{"s": {"normal": [0, 0]}}"#, "'s': normal(0, 0)"),
            (r#"{"q": {"quniform": [0, 1, 0]}}"#, "'q': quniform: q must be positive"),
            (r#"{"n": {"randint": 0}}"#, "'n': randint(0)"),
            (r#"{"x": {"gaussian": [0, 1]}}"#, "unknown variant `gaussian`"),
            (r#"{"x": {"uniform": [0, 1]}, "x": {"uniform": [0, 2]}}"#, "'x' is given twice"),
            ("{}", "no parameters"),
        ] {
            let e = SearchSpace::from_json(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
