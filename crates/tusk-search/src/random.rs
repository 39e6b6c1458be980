//! [`RandomSampler`]: every parameter drawn independently from its prior (hyperopt's
//! `rand.suggest`, Elephas' only algorithm). Seeded: the same seed gives the same trials.

use crate::space::SearchSpace;
use crate::trial::Trial;
use crate::Sampler;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::{Map, Value};

pub struct RandomSampler {
    rng: SmallRng,
}

impl RandomSampler {
    pub fn new(seed: u64) -> Self {
        RandomSampler { rng: SmallRng::seed_from_u64(seed) }
    }
}

/// One draw of every parameter from its prior.
pub fn draw(space: &SearchSpace, rng: &mut SmallRng) -> Map<String, Value> {
    space.params.iter().map(|(name, d)| (name.clone(), d.value(d.draw_internal(rng)))).collect()
}

impl Sampler for RandomSampler {
    fn sample(&mut self, space: &SearchSpace, _history: &[Trial]) -> Map<String, Value> {
        draw(space, &mut self.rng)
    }
}
