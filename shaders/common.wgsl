// Prepended to every kernel module: the per-step parameters, dispatch indexing, the counter RNG, and the
// activations with their derivatives (written from the activation's output, the only thing we store).

// Per-step scalars: one 512-byte slot per step, selected by dynamic offset, written with one writeBuffer.
// A trainer may hold several models of one shape (a batched sweep, docs/design.md "Batched sweeps"): dispatches
// carry the model index in workgroup_id.z, every batch-shaped buffer holds one (capacity, width) slice per model,
// the slabs one slice of param4 / state4 vec4s per model, and `models` holds what differs per model each step.
struct ModelStep {
  seed: u32, // the model's seed (dropout masks, corruption)
  lr: f32,   // its learning rate this step (schedule × its own divergence-guard scale)
  pad0: u32,
  pad1: u32,
}

const MAX_MODELS = 16u; // models one trainer batches (src/train/uniforms.ts MAX_MODELS)

struct Step {
  rows: u32,        // samples in this batch (≤ the batch the buffers were sized for)
  step: u32,        // global optimisation step: the RNG counter for dropout and corruption
  seed: u32,        // the run's seed (single-model kernels: SAE, Jacobian; batched kernels read models[m].seed)
  batch_start: u32, // offset of this batch in the epoch's sample order
  lr: f32,          // learning rate of this step (single-model kernels; batched kernels read models[m].lr)
  bc1: f32,         // Adam bias correction 1 - beta1^t
  bc2: f32,         // Adam bias correction 1 - beta2^t
  training: u32,    // 1: training mode; 0: evaluation (running BatchNorm statistics, no dropout)
  record: u32,      // index of this step's record in the metrics buffer
  corrupt: u32,     // 1: apply the configured input corruption (denoising); 0: pass the clean batch
  capacity: u32,    // rows each model's slice of a batch-shaped buffer holds (the model stride is capacity · width)
  param4: u32,      // vec4s per model in the parameter, gradient and optimizer slabs
  state4: u32,      // vec4s per model in the running-statistics slab
  pad0: u32,
  pad1: u32,
  pad2: u32,
  models: array<ModelStep, MAX_MODELS>,
}

const ACT_IDENTITY = 0u;
const ACT_RELU = 1u;
const ACT_LEAKY_RELU = 2u;
const ACT_TANH = 3u;
const ACT_SIGMOID = 4u;

// Workgroup index for dispatches folded into (x, y) when they exceed 65,535 groups in x.
fn groupIndex(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

fn activate(kind: u32, alpha: f32, z: vec4f) -> vec4f {
  switch kind {
    case ACT_RELU: { return max(z, vec4f(0.0)); }
    case ACT_LEAKY_RELU: { return select(alpha * z, z, z > vec4f(0.0)); }
    // tanh saturates long before ±15; clamping keeps exp-based implementations away from inf/inf.
    case ACT_TANH: { return tanh(clamp(z, vec4f(-15.0), vec4f(15.0))); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    default: { return z; }
  }
}

// d activation / d pre-activation, from the output y.
fn activateGrad(kind: u32, alpha: f32, y: vec4f) -> vec4f {
  switch kind {
    case ACT_RELU: { return select(vec4f(0.0), vec4f(1.0), y > vec4f(0.0)); }
    case ACT_LEAKY_RELU: { return select(vec4f(alpha), vec4f(1.0), y > vec4f(0.0)); }
    case ACT_TANH: { return 1.0 - y * y; }
    case ACT_SIGMOID: { return y * (1.0 - y); }
    default: { return vec4f(1.0); }
  }
}

// PCG-RXS-M-XS hash (Jarzynski & Olano 2020); src/model/rng.ts is the same arithmetic.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn rngU32(seed: u32, step: u32, layer: u32, element: u32) -> u32 {
  return pcg(element + pcg(layer + pcg(step + pcg(seed))));
}

// Uniform in [0, 1) with 24 bits, exact in f32.
fn rngUniform(seed: u32, step: u32, layer: u32, element: u32) -> f32 {
  return f32(rngU32(seed, step, layer, element) >> 8u) * (1.0 / 16777216.0);
}

// Inverted dropout's factors for elements row·F + 4·col4 … + 3 of dropout layer `layer` (F logical features, drop
// probability p, scale 1 / (1 − p)) at step `step`: scale where kept, 0 where dropped. The counter RNG lets the
// forward, the backward, a fused BatchNorm (norm.wgsl) and the CPU reference regenerate the same mask.
fn dropoutKeepScale(seed: u32, step: u32, layer: u32, f: u32, p: f32, scale: f32, row: u32, col4: u32) -> vec4f {
  let e = row * f + col4 * 4u;
  let u = vec4f(rngUniform(seed, step, layer, e), rngUniform(seed, step, layer, e + 1u),
                rngUniform(seed, step, layer, e + 2u), rngUniform(seed, step, layer, e + 3u));
  return select(vec4f(0.0), vec4f(scale), u >= vec4f(p));
}

// Texel of vec4 i in a texture mirror of width w, a power of two (src/gpu/mirror.ts; the tx matmuls' operands).
fn mirrorTexel(i: u32, w: u32) -> vec2u {
  return vec2u(i & (w - 1u), i >> countTrailingZeros(w));
}
