// Top-k selection for the TopK kinds. Per sample (TopK, AuxK): one workgroup per sample; over the batch (BatchTopK):
// one workgroup over all rows·d_sae values. Why a threshold search: k ≤ 256 out of d_sae ≤ 16384 per row (and k·B out
// of B·d_sae over a batch) rules out a partial sort in workgroup memory (64 KiB at 16384, above the 16 KiB limit);
// instead the k-th largest value is found by bisection on the order-preserving u32 key of the floats — 32 passes,
// each a count of keys ≥ a candidate over the range (len / 256 reads per thread) — then ties at the threshold go to
// the lower index (as in src/ref/sae-kinds.ts) through one scan of per-thread counts. Each thread owns a contiguous
// chunk, so the selected lists come out in ascending order. AuxK selects among the dead latents only
// (k_eff = min(k_aux, dead)).

@group(0) @binding(2) var<storage, read> t_h: array<f32>;           // (batch, d_sae) pre-activations
@group(0) @binding(3) var<storage, read> t_counters: array<u32>;    // (d_sae) samples since each latent fired
@group(0) @binding(4) var<storage, read_write> t_z: array<f32>;     // (batch, d_sae) ReLU of the selected, else 0
@group(0) @binding(5) var<storage, read_write> t_idx: array<u32>;   // (batch, K) selected latents, ascending
@group(0) @binding(6) var<storage, read_write> t_val: array<f32>;   // (batch, K) their codes (0 past k_eff)
@group(0) @binding(7) var<storage, read_write> t_params: array<f32>; // parameter slab (BatchTopK's θ estimate)

const SEL_SAMPLE = 0u; // the k largest of one sample's row
const SEL_AUX = 1u;    // the k_aux largest of one row among dead latents
const SEL_BATCH = 2u;  // the k·rows largest of ReLU(h) over the whole batch, no lists

var<workgroup> t_count: atomic<u32>;
var<workgroup> t_total: u32;
var<workgroup> t_min: atomic<u32>;         // bits of the smallest positive selected code (positive floats order as u32)
var<workgroup> t_gt: array<u32, SAE_WG>;   // per thread: keys above the threshold, then the write offset
var<workgroup> t_eq: array<u32, SAE_WG>;   // per thread: keys at the threshold, then how many of them are taken

fn isCandidate(n: u32, mode: u32) -> bool {
  return mode != SEL_AUX || t_counters[n] >= p.dead_after;
}

fn valueAt(base: u32, n: u32, mode: u32) -> f32 {
  return select(t_h[base + n], max(t_h[base + n], 0.0), mode == SEL_BATCH);
}

fn countAtLeast(base: u32, key: u32, lo: u32, hi: u32, mode: u32, lid: u32) -> u32 {
  if (lid == 0u) { atomicStore(&t_count, 0u); }
  workgroupBarrier();
  var c = 0u;
  for (var n = lo; n < hi; n++) { c += select(0u, 1u, isCandidate(n, mode) && orderKey(valueAt(base, n, mode)) >= key); }
  atomicAdd(&t_count, c);
  workgroupBarrier();
  if (lid == 0u) { t_total = atomicLoad(&t_count); }
  return workgroupUniformLoad(&t_total);
}

// Selects the k largest of the `len` values from t_h[base]; z gets ReLU of the selected; lists go to row `row`.
fn selectTop(base: u32, len: u32, row: u32, k: u32, mode: u32, lid: u32) {
  let chunk = (len + SAE_WG - 1u) / SAE_WG;
  let lo = min(lid * chunk, len);
  let hi = min(lo + chunk, len);
  if (lid == 0u) { atomicStore(&t_min, 0x7f800000u); }
  let keff = min(k, countAtLeast(base, 0u, lo, hi, mode, lid)); // key 0 is below every float: counts the candidates
  // The largest key T with at least keff candidates ≥ T, built bit by bit from the top.
  var T = 0u;
  for (var bit = 31i; bit >= 0i; bit--) {
    let trial = T | (1u << u32(bit));
    if (countAtLeast(base, trial, lo, hi, mode, lid) >= keff) { T = trial; }
  }
  var gt = 0u;
  var eq = 0u;
  for (var n = lo; n < hi; n++) {
    if (!isCandidate(n, mode)) { continue; }
    let key = orderKey(valueAt(base, n, mode));
    gt += select(0u, 1u, key > T);
    eq += select(0u, 1u, key == T);
  }
  t_gt[lid] = gt;
  t_eq[lid] = eq;
  workgroupBarrier();
  if (lid == 0u) { // exclusive scans of 256 counts: cheap next to the 33 passes above
    var above = 0u;
    for (var t = 0u; t < SAE_WG; t++) { above += t_gt[t]; }
    var need = keff - above; // ties at T to take, lowest index first
    var offset = 0u;
    for (var t = 0u; t < SAE_WG; t++) {
      let take = min(need, t_eq[t]);
      need -= take;
      let count = t_gt[t] + take;
      t_gt[t] = offset;
      t_eq[t] = take;
      offset += count;
    }
  }
  workgroupBarrier();
  var at = t_gt[lid];
  var ties = t_eq[lid];
  var least = 0x7f800000u;
  for (var n = lo; n < hi; n++) {
    let v = max(valueAt(base, n, mode), 0.0);
    let key = orderKey(valueAt(base, n, mode));
    var chosen = isCandidate(n, mode) && key > T;
    if (isCandidate(n, mode) && key == T && ties > 0u) { chosen = true; ties--; }
    t_z[base + n] = select(0.0, v, chosen);
    if (chosen && v > 0.0) { least = min(least, bitcast<u32>(v)); }
    if (chosen && mode != SEL_BATCH) {
      t_idx[row * k + at] = n;
      t_val[row * k + at] = v;
      at++;
    }
  }
  atomicMin(&t_min, least);
  for (var t = keff + lid; t < k && mode != SEL_BATCH; t += SAE_WG) {
    t_idx[row * k + t] = 0u;
    t_val[row * k + t] = 0.0;
  }
}

@compute @workgroup_size(SAE_WG)
fn saeTopk(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row * p.d_sae, p.d_sae, row, p.k, SEL_SAMPLE, lid);
}

@compute @workgroup_size(SAE_WG)
fn saeTopkAux(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row * p.d_sae, p.d_sae, row, p.k_aux, SEL_AUX, lid);
}

// BatchTopK (one workgroup): z = the k·rows largest ReLU(h) of the batch, then θ ← (1 − r)·θ + r·(smallest positive
// selected code), r = 0.01, as SAELens's update_topk_threshold; a batch without a positive code leaves θ alone.
@compute @workgroup_size(SAE_WG)
fn saeBatchTopk(@builtin(local_invocation_index) lid: u32) {
  selectTop(0u, st.rows * p.d_sae, 0u, p.k * st.rows, SEL_BATCH, lid);
  workgroupBarrier();
  if (lid == 0u) { t_total = atomicLoad(&t_min); }
  let least = workgroupUniformLoad(&t_total);
  if (least == 0x7f800000u) { return; }
  let theta = 0.99 * t_params[p.threshold] + 0.01 * bitcast<f32>(least);
  workgroupBarrier(); // every thread has read the old θ before any writes the new one
  for (var j = lid; j < p.d_sae; j += SAE_WG) { t_params[p.threshold + j] = theta; }
}
