//! Functions written in Python and traced once over symbolic tensors into an [`Expr`] that
//! Rust evaluates and differentiates: elementwise activations (`def f(x): return sigmoid(x) + 1`)
//! and losses (`def loss(y_true, y_pred): return mean(square(y_pred - y_true), axis=-1)`).
//!
//! Shape contract: an expression maps one prediction value `x` (and, for a loss, the target
//! value `t` at the same position) to one `f32`; an activation applies it to every element of a
//! layer's output, a loss averages (or sums) it over each row's last axis, then over rows. The
//! derivative with respect to `x` is exact, by forward-mode dual numbers over the same tree.
//!
//! JSON (as the Python tracer writes it): `"x"` the input (prediction), `"t"` the target, a
//! number a constant, and `[op, arg]` or `[op, left, right]` with the ops of [`Unary`] and
//! [`Binary`] by their snake-case names. In a layer config an activation is
//! `{"class_name": "TracedActivation", "config": {"name": <the function's name>, "expr": ...}}`;
//! a loss is `{"class_name": "TracedLoss", "config": {"name", "expr", "reduction": "mean"|"sum"}}`.
//!
//! Traced activations are interned process-wide ([`intern`]), so that [`crate::activations::Activation`]
//! stays a small `Copy` value that names its expression by index.

use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::sync::{Arc, RwLock};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    Neg,
    Abs,
    Exp,
    Log,
    Sqrt,
    Square,
    Sigmoid,
    Tanh,
    Relu,
    Softplus,
    Softsign,
    Sin,
    Cos,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
}

const UNARY: [(&str, Unary); 13] = [
    ("neg", Unary::Neg), ("abs", Unary::Abs), ("exp", Unary::Exp), ("log", Unary::Log), ("sqrt", Unary::Sqrt),
    ("square", Unary::Square), ("sigmoid", Unary::Sigmoid), ("tanh", Unary::Tanh), ("relu", Unary::Relu),
    ("softplus", Unary::Softplus), ("softsign", Unary::Softsign), ("sin", Unary::Sin), ("cos", Unary::Cos),
];
const BINARY: [(&str, Binary); 7] = [
    ("add", Binary::Add), ("sub", Binary::Sub), ("mul", Binary::Mul), ("div", Binary::Div), ("pow", Binary::Pow),
    ("maximum", Binary::Maximum), ("minimum", Binary::Minimum),
];

/// An elementwise function of one input `x`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Input,
    Target,
    Const(f32),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
}

impl Expr {
    pub fn from_json(v: &Value) -> Result<Self> {
        let bad = || Error::config(format!("traced activation: cannot read expression {v}"));
        match v {
            Value::String(s) if s == "x" => Ok(Expr::Input),
            Value::String(s) if s == "t" => Ok(Expr::Target),
            Value::Number(n) => Ok(Expr::Const(n.as_f64().ok_or_else(bad)? as f32)),
            Value::Array(items) => {
                let op = items.first().and_then(Value::as_str).ok_or_else(bad)?;
                match (items.len(), UNARY.iter().find(|u| u.0 == op), BINARY.iter().find(|b| b.0 == op)) {
                    (2, Some(&(_, u)), _) => Ok(Expr::Unary(u, Box::new(Expr::from_json(&items[1])?))),
                    (3, _, Some(&(_, b))) => Ok(Expr::Binary(b, Box::new(Expr::from_json(&items[1])?), Box::new(Expr::from_json(&items[2])?))),
                    _ => Err(Error::unsupported(format!("traced activation: operation {op} with {} argument(s)", items.len() - 1))),
                }
            }
            _ => Err(bad()),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Expr::Input => json!("x"),
            Expr::Target => json!("t"),
            Expr::Const(c) => json!(c),
            Expr::Unary(u, a) => json!([UNARY.iter().find(|e| e.1 == *u).map(|e| e.0), a.to_json()]),
            Expr::Binary(b, l, r) => json!([BINARY.iter().find(|e| e.1 == *b).map(|e| e.0), l.to_json(), r.to_json()]),
        }
    }

    /// Whether the expression reads the target `t` (only a loss may).
    pub fn uses_target(&self) -> bool {
        match self {
            Expr::Target => true,
            Expr::Input | Expr::Const(_) => false,
            Expr::Unary(_, a) => a.uses_target(),
            Expr::Binary(_, l, r) => l.uses_target() || r.uses_target(),
        }
    }

    /// `f(x, t)`.
    pub fn value(&self, x: f32, t: f32) -> f32 {
        self.dual(x, t).0
    }

    /// `(f(x, t), ∂f/∂x)`.
    pub fn dual(&self, x: f32, t: f32) -> (f32, f32) {
        match self {
            Expr::Input => (x, 1.0),
            Expr::Target => (t, 0.0),
            Expr::Const(c) => (*c, 0.0),
            Expr::Unary(u, a) => {
                let (v, d) = a.dual(x, t);
                let (f, df) = unary(*u, v);
                (f, df * d)
            }
            Expr::Binary(b, l, r) => {
                let ((a, da), (c, dc)) = (l.dual(x, t), r.dual(x, t));
                match b {
                    Binary::Add => (a + c, da + dc),
                    Binary::Sub => (a - c, da - dc),
                    Binary::Mul => (a * c, da * c + a * dc),
                    Binary::Div => (a / c, (da * c - a * dc) / (c * c)),
                    Binary::Pow => {
                        let f = a.powf(c);
                        let log_term = if dc != 0.0 { dc * f * a.ln() } else { 0.0 };
                        (f, da * c * a.powf(c - 1.0) + log_term)
                    }
                    Binary::Maximum => if a >= c { (a, da) } else { (c, dc) },
                    Binary::Minimum => if a <= c { (a, da) } else { (c, dc) },
                }
            }
        }
    }
}

/// `(f(v), f'(v))` of one unary op.
fn unary(u: Unary, v: f32) -> (f32, f32) {
    match u {
        Unary::Neg => (-v, -1.0),
        Unary::Abs => (v.abs(), if v > 0.0 { 1.0 } else if v < 0.0 { -1.0 } else { 0.0 }),
        Unary::Exp => (v.exp(), v.exp()),
        Unary::Log => (v.ln(), 1.0 / v),
        Unary::Sqrt => (v.sqrt(), 0.5 / v.sqrt()),
        Unary::Square => (v * v, 2.0 * v),
        Unary::Sigmoid => {
            let s = 1.0 / (1.0 + (-v).exp());
            (s, s * (1.0 - s))
        }
        Unary::Tanh => {
            let t = v.tanh();
            (t, 1.0 - t * t)
        }
        Unary::Relu => (v.max(0.0), (v > 0.0) as u8 as f32),
        Unary::Softplus => (if v > 20.0 { v } else { v.exp().ln_1p() }, 1.0 / (1.0 + (-v).exp())),
        Unary::Softsign => (v / (1.0 + v.abs()), 1.0 / ((1.0 + v.abs()) * (1.0 + v.abs()))),
        Unary::Sin => (v.sin(), v.cos()),
        Unary::Cos => (v.cos(), -v.sin()),
    }
}

/// A traced activation: the user's function name and its expression.
#[derive(Debug)]
pub struct Traced {
    pub name: &'static str,
    pub expr: Expr,
}

static REGISTRY: RwLock<Vec<Arc<Traced>>> = RwLock::new(Vec::new());

/// The index of `(name, expr)` in the process-wide table, added if new. Each distinct
/// traced function is stored once (its name string lives as long as the process).
pub fn intern(name: &str, expr: Expr) -> usize {
    if let Some(i) = REGISTRY.read().expect("traced registry").iter().position(|t| t.name == name && t.expr == expr) {
        return i;
    }
    let mut table = REGISTRY.write().expect("traced registry");
    if let Some(i) = table.iter().position(|t| t.name == name && t.expr == expr) {
        return i;
    }
    table.push(Arc::new(Traced { name: Box::leak(name.to_string().into_boxed_str()), expr }));
    table.len() - 1
}

/// The traced activation at `index` (as [`intern`] gave it).
pub fn get(index: usize) -> Arc<Traced> {
    REGISTRY.read().expect("traced registry")[index].clone()
}

/// Reads `{"class_name": "TracedActivation" | "TracedLoss", "config": {"name", "expr", ...}}`;
/// its index. An activation's expression may not read the target.
pub fn from_config(v: &Value) -> Result<usize> {
    let cfg = &v["config"];
    let name = cfg["name"].as_str().ok_or_else(|| Error::config(format!("traced function without a name: {v}")))?;
    let expr = Expr::from_json(&cfg["expr"])?;
    if v["class_name"] == "TracedActivation" && expr.uses_target() {
        return Err(Error::config(format!("traced activation '{name}' reads a target (only a loss has one)")));
    }
    Ok(intern(name, expr))
}

/// `{"class_name": class_name, "config": {"name", "expr"}}` of the traced function at `index`.
pub fn to_config(index: usize, class_name: &str) -> Value {
    let t = get(index);
    json!({"class_name": class_name, "config": {"name": t.name, "expr": t.expr.to_json()}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_evaluates_and_writes_back() {
        // def f(x): return sigmoid(x) + 1   (Elephas' test activation)
        let v = json!(["add", ["sigmoid", "x"], 1.0]);
        let e = Expr::from_json(&v).unwrap();
        assert_eq!(e.to_json(), v);
        assert!((e.value(0.0, 0.0) - 1.5).abs() < 1e-7);
        let e = Expr::from_json(&json!(["mul", 2.0, ["relu", "x"]])).unwrap();
        assert_eq!((e.value(-1.0, 0.0), e.value(3.0, 0.0)), (0.0, 6.0));
        let se = Expr::from_json(&json!(["square", ["sub", "x", "t"]])).unwrap();
        assert!(se.uses_target() && !e.uses_target());
        assert_eq!(se.dual(3.0, 1.0), (4.0, 4.0));
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let exprs = [
            json!(["add", ["sigmoid", "x"], 1.0]),
            json!(["mul", ["tanh", "x"], ["exp", ["neg", ["square", "x"]]]]),
            json!(["div", "x", ["add", 1.0, ["abs", "x"]]]),
            json!(["pow", ["softplus", "x"], 3.0]),
            json!(["sub", ["log", ["add", ["sqrt", ["square", "x"]], 2.0]], ["cos", ["sin", "x"]]]),
            json!(["maximum", ["mul", 0.1, "x"], ["softsign", "x"]]),
            json!(["pow", 2.0, ["minimum", "x", 1.0]]),
            json!(["mul", "t", ["log", ["add", ["sigmoid", "x"], 0.001]]]),
        ];
        for v in &exprs {
            let e = Expr::from_json(v).unwrap();
            for x in [-2.3f32, -0.7, 0.4, 1.9] {
                let h = 1e-3f64;
                let f = |x: f64| e.value(x as f32, 0.7) as f64;
                let numeric = (f(x as f64 + h) - f(x as f64 - h)) / (2.0 * h);
                let analytic = e.dual(x, 0.7).1 as f64;
                assert!((numeric - analytic).abs() < 2e-2 * (1.0 + analytic.abs()), "{v} at {x}: {analytic} vs {numeric}");
            }
        }
    }

    #[test]
    fn bad_expressions_are_named_errors() {
        assert!(Expr::from_json(&json!(["mean", "x"])).unwrap_err().to_string().contains("mean"));
        assert!(Expr::from_json(&json!(["add", "x"])).unwrap_err().to_string().contains("add"));
        assert!(Expr::from_json(&json!({"a": 1})).is_err());
    }

    #[test]
    fn interning_returns_the_same_index() {
        let e = Expr::from_json(&json!(["mul", 3.0, "x"])).unwrap();
        let (a, b) = (intern("triple", e.clone()), intern("triple", e));
        assert_eq!(a, b);
        assert_eq!(to_config(a, "TracedActivation")["config"]["name"], "triple");
        let loss = json!({"class_name": "TracedActivation", "config": {"name": "l", "expr": ["sub", "x", "t"]}});
        assert!(from_config(&loss).unwrap_err().to_string().contains("target"));
    }
}
