// Metrics accumulated on the GPU: one invocation folds this batch's loss terms into the epoch sums and, in
// training, writes the step's record; the host maps the buffer asynchronously once per epoch.

struct Metrics {
  d: u32,       // logical pixels D (for the mean of the squared error)
  f4: u32,      // vec4 columns of the sparsity buffer
  f: u32,       // logical code units Z
  weight: f32,  // β: total = mse + β·KL
  base: u32,    // first float of the sums this batch adds to (training or evaluation block)
  records: u32, // 1: write the per-step record [loss, mse, kl, lr] at RECORDS + 4·st.record
  pad0: u32,
  pad1: u32,
}

const RECORDS = 32u; // floats before the per-step records: two blocks of sums

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Metrics;
@group(0) @binding(2) var<storage, read> row_loss: array<f32>;      // (M)
@group(0) @binding(3) var<storage, read> sp: array<vec4f>;          // (3, f4): ρ̂, KL_j, dKL
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>; // sums, then per-step records

@compute @workgroup_size(1)
fn metricsAccumulate() {
  let rows = st.rows;
  var sq = 0.0;
  for (var r = 0u; r < rows; r++) { sq += row_loss[r]; }
  var kl = 0.0;
  var act = 0.0;
  for (var f = 0u; f < p.f4; f++) {
    kl += dot(sp[p.f4 + f], vec4f(1.0));
    act += dot(sp[f], vec4f(1.0));
  }
  let mse = sq / (f32(rows) * f32(p.d));
  let loss = mse + p.weight * kl;
  let n = f32(rows);
  metrics[p.base] += loss * n;
  metrics[p.base + 1u] += mse * n;
  metrics[p.base + 2u] += kl * n;
  metrics[p.base + 3u] += act / f32(p.f) * n;
  metrics[p.base + 4u] += n;
  if (p.records == 1u) {
    let at = RECORDS + 4u * st.record;
    metrics[at] = loss;
    metrics[at + 1u] = mse;
    metrics[at + 2u] = kl;
    metrics[at + 3u] = st.lr;
  }
}
