//! Layers that only change the shape: `InputLayer` (a model input; its buffer is filled
//! by the model), `Flatten` (`[batch, ...] -> [batch, prod]`) and `Reshape(target_shape)`
//! (one axis may be -1). The data is row-major, so none of them moves a value.

use super::{single_input, Ctx, Layer};
use crate::error::{Error, Result};
use crate::keras::layer_config::{base_config, LayerConfig};
use serde_json::{json, Map, Value};

/// What kind of shape-only layer this is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Input,
    Flatten,
    Reshape,
}

pub struct ShapeLayer {
    name: String,
    kind: Kind,
    out_shape: Vec<usize>,
    /// Reshape's target as written (may hold -1).
    target: Vec<i64>,
}

impl ShapeLayer {
    /// An input of per-sample shape `shape`.
    pub fn input(name: &str, shape: Vec<usize>) -> Self {
        ShapeLayer { name: name.to_string(), kind: Kind::Input, out_shape: shape, target: vec![] }
    }

    pub fn from_config(cfg: &LayerConfig, inputs: &[Vec<usize>]) -> Result<Self> {
        match cfg.class {
            "Flatten" => {
                let input = single_input(cfg, inputs, 0..=8)?;
                cfg.require("data_format", &[json!("channels_last")])?;
                cfg.finish()?;
                Ok(ShapeLayer { name: cfg.name.clone(), kind: Kind::Flatten, out_shape: vec![input.iter().product()], target: vec![] })
            }
            _ => {
                let input = single_input(cfg, inputs, 0..=8)?;
                let target = cfg.int_list("target_shape")?;
                cfg.finish()?;
                let out_shape = resolve_target(&target, input.iter().product())
                    .ok_or_else(|| Error::shape(format!("{}: cannot reshape {input:?} to {target:?}", cfg.who())))?;
                Ok(ShapeLayer { name: cfg.name.clone(), kind: Kind::Reshape, out_shape, target })
            }
        }
    }
}

/// Replaces a single -1 so that the product is `total`; `None` if impossible.
fn resolve_target(target: &[i64], total: usize) -> Option<Vec<usize>> {
    let unknown = target.iter().filter(|&&d| d == -1).count();
    if unknown > 1 || target.iter().any(|&d| d == 0 || d < -1) {
        return None;
    }
    let known: usize = target.iter().filter(|&&d| d > 0).map(|&d| d as usize).product();
    let fill = if unknown == 1 { total.is_multiple_of(known).then_some(total / known)? } else { 1 };
    let out: Vec<usize> = target.iter().map(|&d| if d == -1 { fill } else { d as usize }).collect();
    (out.iter().product::<usize>() == total).then_some(out)
}

impl Layer for ShapeLayer {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        match self.kind {
            Kind::Input => "InputLayer",
            Kind::Flatten => "Flatten",
            Kind::Reshape => "Reshape",
        }
    }
    fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }
    fn forward(&mut self, _ctx: &mut Ctx, x: &[&[f32]], _p: &[f32], y: &mut [f32]) {
        if self.kind != Kind::Input {
            y.copy_from_slice(x[0]);
        }
    }
    fn backward(&mut self, _batch: usize, _x: &[&[f32]], _y: &[f32], dy: &mut [f32], _p: &[f32], _dp: &mut [f32], dx: &mut [&mut [f32]]) {
        if let Some(d) = dx.first_mut().filter(|d| !d.is_empty()) {
            d.copy_from_slice(dy);
        }
    }
    fn config(&self) -> Map<String, Value> {
        let mut m = base_config(&self.name, true);
        match self.kind {
            Kind::Input => {
                m.remove("trainable");
                let mut shape = vec![Value::Null];
                shape.extend(self.out_shape.iter().map(|&d| json!(d)));
                m.insert("batch_shape".into(), Value::Array(shape));
                m.insert("dtype".into(), "float32".into());
                m.insert("sparse".into(), false.into());
            }
            Kind::Flatten => {
                m.insert("data_format".into(), "channels_last".into());
            }
            Kind::Reshape => {
                m.insert("target_shape".into(), json!(self.target));
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::resolve_target;

    #[test]
    fn reshape_targets() {
        assert_eq!(resolve_target(&[-1, 4], 12), Some(vec![3, 4]));
        assert_eq!(resolve_target(&[3, 4], 12), Some(vec![3, 4]));
        assert_eq!(resolve_target(&[5, -1], 12), None);
        assert_eq!(resolve_target(&[-1, -1], 12), None);
        assert_eq!(resolve_target(&[2, 2], 12), None);
    }
}
