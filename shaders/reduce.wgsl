// Metrics accumulated on the GPU: one invocation folds this batch's loss terms into a block of sums and, in
// training, writes the step's record; in evaluation it also counts active samples per code unit. The host maps
// the buffer asynchronously once per epoch.

struct Metrics {
  d: u32,            // logical pixels D (for the means of the reconstruction terms)
  f4: u32,           // vec4 columns of the sparsity buffer
  f: u32,            // logical code units Z
  weight: f32,       // sparsity weight: total = recon + weight·penalty + contractive·‖J‖²
  base: u32,         // first float of the block of sums this batch adds to
  records: u32,      // 1: write the per-step record at RECORDS + RECORD_SIZE·st.record
  units: u32,        // 1: add the per-unit active counts to units[]
  contractive: f32,  // λ of the contractive penalty
  model_base: u32,   // first float of this model's slice of the metrics buffer
  units_base: u32,   // first float of this model's slice of units[]
  pad0: u32,
  pad1: u32,
}

const RECORDS = 48u;   // floats before the per-step records: three blocks of 16 sums
const RECORD_SIZE = 8u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> models: array<Metrics, MAX_MODELS>; // one per model (weights and slices differ)
// Per model: row_loss (capacity, 2), sp (4, f4), jac (capacity), and the slices that Metrics names.
@group(0) @binding(2) var<storage, read> row_loss: array<f32>;      // (rows, 2): Σ loss, Σ squared error per row
@group(0) @binding(3) var<storage, read> sp: array<vec4f>;          // (4, f4): ρ̂, penalty_j, dKL, active count
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>; // sums, then per-step records
@group(0) @binding(5) var<storage, read_write> units: array<f32>;   // (Z) active samples per unit (evaluation)
@group(0) @binding(6) var<storage, read> jac: array<f32>;           // (rows) ‖J_b‖²_F per sample (zeros when unmeasured)

var<private> p: Metrics; // this invocation's model's settings

// All exponent bits set: Inf or NaN.
fn nonFinite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(1)
fn metricsAccumulate(@builtin(workgroup_id) wid: vec3u) {
  let m = wid.z;
  p = models[m];
  let rows = st.rows;
  let rb = m * st.capacity; // this model's first row
  let sb = m * 4u * p.f4;
  var loss_sum = 0.0;
  var sq = 0.0;
  var jsum = 0.0;
  for (var r = 0u; r < rows; r++) {
    loss_sum += row_loss[2u * (rb + r)];
    sq += row_loss[2u * (rb + r) + 1u];
    jsum += jac[rb + r];
  }
  var penalty = 0.0;
  var act = 0.0;
  var n_active = 0.0;
  for (var f = 0u; f < p.f4; f++) {
    penalty += dot(sp[sb + p.f4 + f], vec4f(1.0));
    act += dot(sp[sb + f], vec4f(1.0));
    n_active += dot(sp[sb + 3u * p.f4 + f], vec4f(1.0));
    if (p.units == 1u) {
      let c = sp[sb + 3u * p.f4 + f];
      for (var j = 0u; j < 4u; j++) {
        if (f * 4u + j < p.f) { units[p.units_base + f * 4u + j] += c[j]; }
      }
    }
  }
  let n = f32(rows);
  let recon = loss_sum / (n * f32(p.d));
  let mse = sq / (n * f32(p.d));
  let jf = jsum / n;
  let loss = recon + p.weight * penalty + p.contractive * jf;
  let b = p.model_base + p.base;
  metrics[b] += loss * n;
  metrics[b + 1u] += recon * n;
  metrics[b + 2u] += penalty * n;
  metrics[b + 3u] += act / f32(p.f) * n;
  metrics[b + 4u] += n;
  metrics[b + 5u] += mse * n;
  metrics[b + 6u] += jf * n;
  metrics[b + 7u] += n_active;
  // Bit tests, not x != x: WGSL lets compilers assume floats are finite and fold NaN/Inf checks away.
  metrics[b + 8u] += select(0.0, 1.0, nonFinite(loss) || nonFinite(recon) || nonFinite(penalty) || nonFinite(jf));
  if (p.records == 1u) {
    let at = p.model_base + RECORDS + RECORD_SIZE * st.record;
    metrics[at] = loss;
    metrics[at + 1u] = recon;
    metrics[at + 2u] = mse;
    metrics[at + 3u] = penalty;
    metrics[at + 4u] = jf;
    metrics[at + 5u] = st.models[m].lr;
  }
}
